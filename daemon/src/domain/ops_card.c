/* SPDX-License-Identifier: MIT */
/* Cards: issuing a new card to a member and looking a card up at the till. Card numbers are
 * minted from the META card sequence, which only ever increases, through the keyed permutation
 * of lty_card_no_mint() under the programme's secret (META card_key, made at init): a number is
 * never issued twice even after its card is replaced or closed, and one number tells nothing
 * about the next.
 *
 * Not here: lost/replace/extend/activate (ops_card_life.c). */
#include "lty/lty_assert.h"
#include "lty/lty_clock.h"
#include "ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Numbers already taken in a row before minting gives up: the range is spent (lty__ops_card_no_next). */
#define OPS_CARD_MINT_ATTEMPTS_MAX 1000

int lty__ops_card_load(lty_store_txn_t *txn, const char *card_no, lty_card_t *card_out)
{
    lty_key_t key;
    lty_key_text(&key, card_no);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_CARDS, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND) return LTY_E_CARD_NOT_FOUND;
    if (err != 0) return err;
    err = lty_record_card_decode(value, card_out);
    if (err == 0 && strcmp(card_out->card_no, card_no) != 0) err = LTY_E_CORRUPT;
    return err;
}

int lty_ops_card_lookup(lty_store_txn_t *txn, const char *card_no, int64_t now_ms,
                        lty_ops_card_view_t *view_out)
{
    LTY_ASSERT(txn != NULL && card_no != NULL);
    LTY_ASSERT(view_out != NULL);
    int err = lty_card_no_check(card_no, strnlen(card_no, LTY_CARD_NO_SIZE));
    if (err != 0) return err;
    lty_card_t card;
    err = lty__ops_card_load(txn, card_no, &card);
    if (err != 0) return err;
    lty_ops_card_view_t view;
    memset(&view, 0, sizeof(view));
    memcpy(view.card_no, card.card_no, sizeof(view.card_no));
    view.card_status = card.status;
    view.expired = card.expires_ms <= now_ms;
    view.member_id = card.member_id;
    view.expires_ms = card.expires_ms;
    if (card.member_id != 0) {
        lty_member_t member;
        lty_account_t account;
        err = lty__ops_member_load(txn, card.member_id, &member);
        if (err == LTY_E_MEMBER_NOT_FOUND) err = LTY_E_CORRUPT; /* a card names a lost member */
        if (err == 0 && member.status == LTY_MEMBER_CLOSED) err = LTY_E_ACCOUNT_CLOSED; /* 410 */
        if (err == 0) memcpy(view.name, member.name, sizeof(view.name));
        int64_t balance = 0; /* expired lots are not counted, swept or not */
        if (err == 0) err = lty_ops_points_available(txn, card.member_id, now_ms, &balance,
                                                     &view.points);
        if (err == 0) {
            err = lty__ops_account_get(txn, LTY_ACCOUNT_MEMBER_PREPAID, card.member_id, &account);
        }
        if (err == 0) view.prepaid_cents = account.balance;
    }
    if (err == 0) *view_out = view;
    return err;
}

/* Take the next card sequence number from META and store its successor. */
int lty__ops_card_sequence_take(lty_store_txn_t *txn, uint64_t *sequence_out)
{
    lty_key_t key;
    lty_key_text(&key, LTY_META_CARD_SEQUENCE);
    lty_bytes_t value;
    uint64_t sequence = 1;
    int err = lty_store_get(txn, LTY_DB_META, lty_key_bytes(&key), &value);
    if (err == 0) err = lty_record_u64_decode(value, &sequence);
    else if (err == LTY_E_NOT_FOUND) err = 0;
    if (err != 0) return err;
    LTY_ASSERT(sequence < UINT64_MAX);
    uint8_t bytes[8];
    lty_record_u64_encode(sequence + 1, bytes);
    err = lty_store_put(txn, LTY_DB_META, lty_key_bytes(&key),
                        (lty_bytes_t){.data = bytes, .size = sizeof(bytes)});
    if (err == 0) *sequence_out = sequence;
    return err;
}

int lty_ops_card_key_create(lty_store_txn_t *txn)
{
    LTY_ASSERT(txn != NULL);
    lty_key_t key;
    lty_key_text(&key, LTY_META_CARD_KEY);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_META, lty_key_bytes(&key), &value);
    if (err == 0) return value.size == LTY_CARD_KEY_BYTES ? 0 : LTY_E_CORRUPT;
    if (err != LTY_E_NOT_FOUND) return err;
    uint8_t secret[LTY_CARD_KEY_BYTES];
    err = lty_crypto_random(secret, sizeof(secret));
    if (err == 0) {
        err = lty_store_put(txn, LTY_DB_META, lty_key_bytes(&key),
                            (lty_bytes_t){.data = secret, .size = sizeof(secret)});
    }
    memset(secret, 0, sizeof(secret));
    return err;
}

static int card_key_get(lty_store_txn_t *txn, uint8_t secret_out[LTY_CARD_KEY_BYTES])
{
    lty_key_t key;
    lty_key_text(&key, LTY_META_CARD_KEY);
    lty_bytes_t value;
    int err = lty_store_get(txn, LTY_DB_META, lty_key_bytes(&key), &value);
    if (err == LTY_E_NOT_FOUND || (err == 0 && value.size != LTY_CARD_KEY_BYTES)) {
        err = LTY_E_CORRUPT; /* init and the schema-7 migration always store one */
    }
    if (err == 0) memcpy(secret_out, value.data, LTY_CARD_KEY_BYTES);
    return err;
}

int lty__ops_card_no_next(lty_store_txn_t *txn, const lty_programme_t *programme,
                          char card_no_out[LTY_CARD_NO_SIZE])
{
    LTY_ASSERT(txn != NULL && programme != NULL);
    LTY_ASSERT(card_no_out != NULL);
    uint8_t secret[LTY_CARD_KEY_BYTES];
    int err = card_key_get(txn, secret);
    /* A number already stored is stepped over, its sequence spent: one imported (member import)
     * or minted before the keyed permutation (an affine map of the same sequence). */
    for (int attempt = 0; err == 0 && attempt < OPS_CARD_MINT_ATTEMPTS_MAX; attempt++) {
        uint64_t sequence = 0;
        err = lty__ops_card_sequence_take(txn, &sequence);
        if (err == 0) err = lty_card_no_mint(programme->card_prefix, secret, sequence,
                                             card_no_out);
        lty_key_t key;
        lty_bytes_t value;
        if (err == 0) lty_key_text(&key, card_no_out);
        if (err == 0) err = lty_store_get(txn, LTY_DB_CARDS, lty_key_bytes(&key), &value);
        if (err == LTY_E_NOT_FOUND) {
            memset(secret, 0, sizeof(secret));
            return 0;
        }
    }
    memset(secret, 0, sizeof(secret));
    return err != 0 ? err : LTY_E_INVALID_FIELD; /* that many numbers in a row taken: spent */
}

int lty__ops_member_cards_count(lty_store_txn_t *txn, uint64_t member_id, size_t *count_out)
{
    lty_ops_member_view_t view; /* ~3 KiB of cards: fine on the writer's stack */
    int err = lty_ops_member_get(txn, member_id, &view);
    if (err == 0) *count_out = view.cards_count;
    return err;
}

int lty__ops_card_store(lty_store_txn_t *txn, const lty_card_t *card)
{
    uint8_t buffer[LTY_RECORD_CARD_BYTES_MAX];
    size_t size = lty_record_card_encode(card, buffer, sizeof(buffer));
    lty_key_t key;
    lty_key_text(&key, card->card_no);
    int err = lty_store_insert(txn, LTY_DB_CARDS, lty_key_bytes(&key),
                               (lty_bytes_t){.data = buffer, .size = size});
    if (err == LTY_E_EXISTS) err = LTY_E_CORRUPT; /* a minted number was already stored */
    lty_key_member_card(&key, card->member_id, card->card_no);
    if (err == 0) {
        err = lty_store_put(txn, LTY_DB_CARDS_BY_MEMBER, lty_key_bytes(&key),
                            (lty_bytes_t){.data = "", .size = 0});
    }
    return err;
}

int lty_ops_card_issue(lty_store_txn_t *txn, const lty_actor_t *actor,
                       const lty_programme_t *programme, int64_t now_ms, uint64_t member_id,
                       lty_card_t *card_out)
{
    LTY_ASSERT(txn != NULL && actor != NULL && programme != NULL);
    LTY_ASSERT(card_out != NULL);
    lty_member_t member;
    int err = lty__ops_member_load(txn, member_id, &member);
    if (err != 0) return err;
    if (member.status == LTY_MEMBER_CLOSED) return LTY_E_ACCOUNT_CLOSED;
    size_t cards_count = 0;
    err = lty__ops_member_cards_count(txn, member_id, &cards_count);
    if (err != 0) return err;
    if (cards_count >= LTY_CARDS_PER_MEMBER_MAX) return LTY_E_INVALID_FIELD;
    lty_card_t card;
    memset(&card, 0, sizeof(card));
    err = lty__ops_card_no_next(txn, programme, card.card_no);
    if (err != 0) return err;
    card.member_id = member_id;
    card.status = LTY_CARD_ACTIVE;
    card.issued_ms = now_ms;
    card.status_ms = now_ms;
    card.expires_ms = now_ms + programme->card_valid_days * LTY_MS_PER_DAY;
    err = lty__ops_card_store(txn, &card);
    char target[LTY_AUDIT_TARGET_BYTES_MAX + 1];
    char detail[LTY_AUDIT_VALUE_BYTES_MAX + 1];
    snprintf(target, sizeof(target), "member:%" PRIu64, member_id);
    snprintf(detail, sizeof(detail), "card %s issued", card.card_no);
    if (err == 0) err = lty__ops_audit(txn, actor, now_ms, "card.issue", target, detail);
    if (err == 0) *card_out = card;
    return err;
}

/* Which card states may buy. Expiry by date counts even if no sweep has marked the card. */
int lty_ops_card_usable(uint8_t status, int64_t expires_ms, int64_t now_ms)
{
    switch (status) {
    case LTY_CARD_ACTIVE: break;
    case LTY_CARD_LOST: return LTY_E_CARD_LOST;
    case LTY_CARD_REPLACED: return LTY_E_CARD_REPLACED;
    case LTY_CARD_EXPIRED: return LTY_E_CARD_EXPIRED;
    case LTY_CARD_CLOSED: return LTY_E_CARD_CLOSED;
    default: return LTY_E_CARD_NOT_ACTIVATED;
    }
    return expires_ms <= now_ms ? LTY_E_CARD_EXPIRED : 0;
}
