/* SPDX-License-Identifier: MIT */
/* loyaltyctl commands on a data directory, safe whether the daemon runs or not: LMDB lets
 * several processes read while the daemon writes, and init refuses any existing directory.
 *
 * Layout of a data directory (mode 0700; docs/security.md):
 *   DIR/loyaltyd.conf   daemon configuration (JSON)
 *   DIR/ledger/         the LMDB environment (data.mdb, lock.mdb)
 *   DIR/tls/            ca.crt server.crt server.key [revoked.txt] and issued credentials
 *   DIR/pin-pepper      the PIN secret (0600)
 *   DIR/demo-cards.txt  with --demo: the demo members' card numbers, one per line
 * and beside it, never inside it (the daemon refuses to start with the CA key in DIR):
 *   DIR.ca/             ca.crt ca.key (0700, the key 0600): what cert till / cert operator sign
 *                       with; keep it on the operators' machine, off the server */
#define _XOPEN_SOURCE 700 /* nftw */
#include "cli.h"
#include "config.h"
#include "lty/lty_clock.h"
#include "lty/lty_err.h"
#include "lty/lty_crypto.h"
#include "lty/lty_tls.h"
#include "migrate.h"
#include "ops.h"
#include "programme.h"
#include "store.h"
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#define CA_VALID_DAYS 3650
#define CERT_VALID_DAYS 825

static int store_open_at(const char *data_dir, bool read_only, bool create, lty_store_t **out)
{
    char path[LTY_CLI_PATH_SIZE];
    snprintf(path, sizeof(path), "%s/ledger", data_dir);
    lty_store_options_t options = {
        .path = path,
        .map_bytes = LTY_MAP_BYTES_DEFAULT,
        .map_bytes_max = LTY_MAP_BYTES_MAX,
        .readers_max = 126,
        .read_only = read_only,
        .create = create,
    };
    return lty_store_open(out, &options);
}

static int content_digest(lty_store_t *store, char digest_hex_out[65]);

/* ---- init ------------------------------------------------------------------------------- */

static bool dir_is_empty_or_absent(const char *path)
{
    struct stat info;
    if (stat(path, &info) != 0) return errno == ENOENT;
    if (!S_ISDIR(info.st_mode)) return false;
    char probe[LTY_CLI_PATH_SIZE + 8];
    snprintf(probe, sizeof(probe), "%s/.", path);
    /* rmdir succeeds only on an empty directory; recreate it at once. */
    if (rmdir(path) != 0) return false;
    return mkdir(path, 0700) == 0;
}

static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *ftw)
{
    (void)info;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The demo portal's certificate (SAN localhost, 127.0.0.1), issued by a separate demo "public"
 * CA, as a retailer's public certificate would be by a public CA: never by the programme CA,
 * which only tills and operators trust. Browser tests trust tls/portal-ca.crt. The demo public
 * CA's key is removed once it has signed: nothing else needs it. */
static int portal_credentials_create(const char *tls)
{
    char ca_cert[LTY_CLI_PATH_SIZE + 32], ca_key[LTY_CLI_PATH_SIZE + 32];
    char cert[LTY_CLI_PATH_SIZE + 32], key[LTY_CLI_PATH_SIZE + 32];
    snprintf(ca_cert, sizeof(ca_cert), "%s/portal-ca.crt", tls);
    snprintf(ca_key, sizeof(ca_key), "%s/portal-ca.key", tls);
    snprintf(cert, sizeof(cert), "%s/portal.crt", tls);
    snprintf(key, sizeof(key), "%s/portal.key", tls);
    int err = lty_tls_ca_create("loyaltyd demo public CA", ca_cert, ca_key, CA_VALID_DAYS);
    lty_tls_subject_t portal = {.role = LTY_ROLE_SERVER, .name = "localhost"};
    if (err == 0) err = lty_tls_cert_issue(ca_cert, ca_key, &portal, CERT_VALID_DAYS, cert, key, NULL);
    if (remove(ca_key) != 0 && err == 0) err = LTY_E_IO;
    return err;
}

static int file_copy(const char *from, const char *to);

/* The programme CA in ca_dir (0700: ca.crt, ca.key 0600) and a copy of its certificate in
 * DIR/tls, which is all of the CA the daemon needs. */
static int ca_create(const char *dir, const char *ca_dir, char *ca_cert, char *ca_key,
                     size_t path_size)
{
    char tls_ca[LTY_CLI_PATH_SIZE + 16];
    if (mkdir(ca_dir, 0700) != 0 && errno != EEXIST) return LTY_E_IO;
    if (chmod(ca_dir, 0700) != 0) return LTY_E_IO;
    snprintf(ca_cert, path_size, "%s/ca.crt", ca_dir);
    snprintf(ca_key, path_size, "%s/ca.key", ca_dir);
    int err = lty_tls_ca_create("loyaltyd programme CA", ca_cert, ca_key, CA_VALID_DAYS);
    snprintf(tls_ca, sizeof(tls_ca), "%s/tls/ca.crt", dir);
    if (err == 0) err = file_copy(ca_cert, tls_ca);
    return err;
}

static int credentials_create(const lty_cli_t *cli, const char *dir, const char *ca_dir)
{
    char tls[LTY_CLI_PATH_SIZE], ca_cert[LTY_CLI_PATH_SIZE + 16], ca_key[LTY_CLI_PATH_SIZE + 16];
    char cert[LTY_CLI_PATH_SIZE + 32], key[LTY_CLI_PATH_SIZE + 32];
    snprintf(tls, sizeof(tls), "%s/tls", dir);
    if (mkdir(tls, 0700) != 0) return LTY_E_IO;
    int err = ca_create(dir, ca_dir, ca_cert, ca_key, sizeof(ca_cert));
    snprintf(cert, sizeof(cert), "%s/server.crt", tls);
    snprintf(key, sizeof(key), "%s/server.key", tls);
    lty_tls_subject_t server = {.role = LTY_ROLE_SERVER, .name = "localhost"};
    if (err == 0) err = lty_tls_cert_issue(ca_cert, ca_key, &server, CERT_VALID_DAYS, cert, key, NULL);
    if (err != 0 || !cli->demo) return err;
    err = portal_credentials_create(tls);
    if (err != 0) return err;
    snprintf(cert, sizeof(cert), "%s/demo-till.crt", tls);
    snprintf(key, sizeof(key), "%s/demo-till.key", tls);
    lty_tls_subject_t till = {.role = LTY_ROLE_TILL, .name = "T01", .store = "S001"};
    err = lty_tls_cert_issue(ca_cert, ca_key, &till, CERT_VALID_DAYS, cert, key, NULL);
    snprintf(cert, sizeof(cert), "%s/demo-operator.crt", tls);
    snprintf(key, sizeof(key), "%s/demo-operator.key", tls);
    /* The demo operator is an admin, so the README's tour and every test may do everything. */
    lty_tls_subject_t operator = {.role = LTY_ROLE_OPERATOR, .name = "demo-operator",
                                  .title = "admin"};
    if (err == 0) err = lty_tls_cert_issue(ca_cert, ca_key, &operator, CERT_VALID_DAYS, cert, key, NULL);
    return err;
}

static int demo_cards_write(const char *dir, const lty_ops_demo_t *demo)
{
    char path[LTY_CLI_PATH_SIZE + 32];
    snprintf(path, sizeof(path), "%s/demo-cards.txt", dir);
    FILE *file = fopen(path, "wx");
    if (file == NULL) return LTY_E_IO;
    for (size_t index = 0; index < demo->members_count; index++) {
        fprintf(file, "%s\n", demo->members[index].card_no);
    }
    if (fclose(file) != 0) return LTY_E_IO;
    /* The members with their portal PINs, for the README's tour (demo data only). */
    snprintf(path, sizeof(path), "%s/demo-members.txt", dir);
    file = fopen(path, "wx");
    if (file == NULL) return LTY_E_IO;
    fprintf(file, "# member_id card_no phone pin (\"-\": set one on the till's PIN pad)\n");
    for (size_t index = 0; index < demo->members_count; index++) {
        fprintf(file, "%" PRIu64 " %s %s %s\n", demo->members[index].member_id,
                demo->members[index].card_no, demo->members[index].phone,
                demo->members[index].pin[0] != '\0' ? demo->members[index].pin : "-");
    }
    return fclose(file) == 0 ? 0 : LTY_E_IO;
}

static int coupon_key_create(const char *dir)
{
    char path[LTY_CLI_PATH_SIZE + 32];
    snprintf(path, sizeof(path), "%s/%s", dir, LTY_COUPON_KEY_FILE);
    return lty_crypto_key_create(path);
}

static lty_ops_demo_coupons_t demo_coupons; /* the tour's coupons and gift */

/* The demo's campaign, voucher offer, printable codes and gift, signed with DIR's key. */
static int demo_coupons_seed(const char *dir, lty_store_txn_t *txn, const lty_ops_demo_t *demo)
{
    char path[LTY_CLI_PATH_SIZE + 32];
    snprintf(path, sizeof(path), "%s/%s", dir, LTY_COUPON_KEY_FILE);
    lty_crypto_key_t *key = NULL;
    int err = lty_crypto_key_load(path, &key);
    uint64_t wallet_member = demo->members_count > 1 ? demo->members[1].member_id : 1;
    if (err == 0) err = lty_ops_demo_coupons(txn, key, lty_clock_now_ms(), wallet_member,
                                             &demo_coupons);
    lty_crypto_key_free(key);
    if (err != 0) return err;
    snprintf(path, sizeof(path), "%s/demo-coupons.txt", dir);
    FILE *file = fopen(path, "wx");
    if (file == NULL) return LTY_E_IO;
    fprintf(file, "# printable codes of campaign %" PRIu64 " (5.00 off 20.00), one a line\n",
            demo_coupons.campaign_id);
    for (size_t index = 0; index < LTY_OPS_DEMO_CODES; index++) {
        fprintf(file, "%s\n", demo_coupons.codes[index]);
    }
    return fclose(file) == 0 ? 0 : LTY_E_IO;
}

static int ledger_create(const lty_cli_t *cli, const char *dir, lty_ops_demo_t *demo)
{
    char ledger[LTY_CLI_PATH_SIZE];
    snprintf(ledger, sizeof(ledger), "%s/ledger", dir);
    if (mkdir(ledger, 0700) != 0) return LTY_E_IO;
    lty_store_t *store = NULL;
    int err = store_open_at(dir, false, true, &store);
    lty_store_txn_t *txn = NULL;
    if (err == 0) err = lty_store_txn_begin(store, NULL, &txn);
    lty_programme_t programme;
    lty_programme_demo(&programme);
    if (err == 0) err = lty_ops_setup_init(txn, &programme);
    if (err == 0 && cli->demo) {
        lty_actor_t system;
        memset(&system, 0, sizeof(system));
        err = lty_ops_demo_seed(txn, &programme, lty_clock_now_ms(), demo);
        if (err == 0) err = lty_ops_operator_add(txn, &system, lty_clock_now_ms(), "demo-operator");
        uint8_t pepper[LTY_PIN_PEPPER_BYTES];
        if (err == 0) err = lty_ops_pin_pepper_load(dir, pepper);
        if (err == 0) err = lty_ops_demo_pins(txn, pepper, lty_clock_now_ms(), demo);
        memset(pepper, 0, sizeof(pepper));
        if (err == 0) err = demo_coupons_seed(dir, txn, demo);
    }
    if (err == 0) {
        err = lty_store_txn_commit(txn);
    } else {
        lty_store_txn_abort(txn);
    }
    lty_store_close(store);
    if (err == 0 && cli->demo) err = demo_cards_write(dir, demo);
    return err;
}

static void init_report(const lty_cli_t *cli, const char *dir, const char *ca_dir,
                        const lty_ops_demo_t *demo)
{
    printf("initialised %s\n  config:  %s/loyaltyd.conf\n  ledger:  %s/ledger\n"
           "  tls:     %s/tls (ca.crt, server.crt, server.key%s)\n"
           "  CA key:  %s/ca.key (keep it off the server: cert till and cert operator need it)\n",
           dir, dir, dir, dir, cli->demo ? ", demo-till.*, demo-operator.* (role admin)" : "",
           ca_dir);
    if (!cli->demo) return;
    printf("demo programme: CNY, 1 point per 1.00, stores S001-S003, till S001/T01\n");
    printf("member portal: https://127.0.0.1:8444/ (certificate tls/portal.crt, issued by the "
           "demo public CA tls/portal-ca.crt)\n");
    printf("coupons: campaign %" PRIu64 " \"Spring 5 off\" (5.00 off 20.00), voucher offer %"
           PRIu64 " (500 points), printable codes in %s/demo-coupons.txt; gift %" PRIu64
           " \"Tea towel\" (300 points, 10 in stock)\n",
           demo_coupons.campaign_id, demo_coupons.offer_id, dir, demo_coupons.gift_id);
    printf("demo members (also in %s/demo-members.txt):\n", dir);
    for (size_t index = 0; index < demo->members_count; index++) {
        printf("  %3" PRIu64 "  %-20s card %s  points %5" PRId64 "  portal PIN %s\n",
               demo->members[index].member_id, demo->members[index].name,
               demo->members[index].card_no, demo->members[index].points,
               demo->members[index].pin[0] != '\0' ? demo->members[index].pin
                                                   : "- (set one at a till)");
    }
}

int lty_cli_init(lty_cli_t *cli)
{
    const char *dir = cli->args[0];
    struct stat info;
    bool existed = stat(dir, &info) == 0;
    if (!dir_is_empty_or_absent(dir)) {
        return lty_cli_fail("%s already exists and is not empty; nothing changed", dir);
    }
    if (!existed && mkdir(dir, 0700) != 0) {
        return lty_cli_fail("cannot create %s: %s", dir, strerror(errno));
    }
    if (chmod(dir, 0700) != 0) return lty_cli_fail("cannot chmod %s: %s", dir, strerror(errno));
    char ca_dir[LTY_CLI_PATH_SIZE];
    const char *ca_dir_given = lty_cli_opt(cli, LTY_OPT_CA_DIR);
    if (ca_dir_given != NULL) snprintf(ca_dir, sizeof(ca_dir), "%s", ca_dir_given);
    else lty_cli_ca_dir_of(dir, ca_dir, sizeof(ca_dir));
    bool ca_existed = stat(ca_dir, &info) == 0;
    if (!dir_is_empty_or_absent(ca_dir)) {
        if (!existed) rmdir(dir);
        return lty_cli_fail("%s (the CA directory) already exists and is not empty; nothing "
                            "changed", ca_dir);
    }
    lty_ops_demo_t demo;
    memset(&demo, 0, sizeof(demo));
    char conf[LTY_CLI_PATH_SIZE + 16];
    snprintf(conf, sizeof(conf), "%s/loyaltyd.conf", dir);
    lty_config_t config;
    lty_config_defaults(&config);
    /* The demo serves the member portal; a retailer turns it on with its public certificate. */
    if (cli->demo) snprintf(config.portal_listen, sizeof(config.portal_listen), "127.0.0.1:8444");
    int err = credentials_create(cli, dir, ca_dir);
    if (err == 0) err = lty_config_write(conf, &config);
    if (err == 0) err = lty_ops_pin_pepper_create(dir); /* the PIN secret, outside LMDB */
    if (err == 0) err = coupon_key_create(dir);        /* signs coupon codes */
    if (err == 0) err = ledger_create(cli, dir, &demo);
    if (err != 0) {
        /* Leave nothing half-made: remove what this run created. */
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        nftw(ca_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        if (existed) mkdir(dir, 0700);
        if (ca_existed) mkdir(ca_dir, 0700);
        return lty_cli_fail("init %s failed: %s (%s); nothing was left behind", dir,
                            lty_strerror(err), lty_err_name(err));
    }
    init_report(cli, dir, ca_dir, &demo);
    return LTY_CLI_EXIT_OK;
}

/* ---- verify ------------------------------------------------------------------------------ */

int lty_cli_verify(lty_cli_t *cli)
{
    lty_store_t *store = NULL;
    int err = store_open_at(cli->args[0], true, false, &store);
    if (err != 0) return lty_cli_fail("cannot open %s/ledger: %s", cli->args[0], lty_strerror(err));
    /* The checks are those of this build's layout: an older store is migrated first. */
    lty_store_txn_t *txn = NULL;
    uint32_t version = 0;
    err = lty_store_read_begin(store, &txn);
    int check = err == 0 ? lty_migrate_check(txn, &version) : err;
    lty_store_txn_abort(txn);
    if (check != 0) {
        lty_store_close(store);
        if (check == 1) {
            return lty_cli_fail("%s/ledger is schema %u; this loyaltyctl verifies schema %u: "
                                "start loyaltyd on it once to migrate it", cli->args[0], version,
                                LTY_SCHEMA_VERSION);
        }
        return lty_cli_fail("cannot verify %s/ledger: %s", cli->args[0], lty_strerror(check));
    }
    lty_verify_report_t *report = calloc(1, sizeof(*report));
    if (report == NULL) {
        lty_store_close(store);
        return lty_cli_fail("out of memory");
    }
    err = lty_verify_store(store, report);
    char digest[65] = "";
    int digest_err = content_digest(store, digest);
    lty_store_close(store);
    if (err == 0 && digest_err != 0) err = digest_err;
    if (cli->json) {
        printf("{\"sound\":%s,\"entries\":%" PRIu64 ",\"postings\":%" PRIu64 ",\"accounts\":%" PRIu64
               ",\"members\":%" PRIu64 ",\"cards\":%" PRIu64 ",\"lots\":%" PRIu64
               ",\"sales\":%" PRIu64 ",\"audit_records\":%" PRIu64
               ",\"audit_first_broken\":%" PRIu64 ",\"problems\":%" PRIu64
               ",\"digest\":\"%s\"}\n",
               err == 0 ? "true" : "false", report->entries, report->postings, report->accounts,
               report->members, report->cards, report->lots, report->sales,
               report->audit_records, report->audit_first_broken, report->problems_total, digest);
    } else {
        printf("%s: %" PRIu64 " journal entries, %" PRIu64 " postings, %" PRIu64 " accounts, %" PRIu64
               " members, %" PRIu64 " cards, %" PRIu64 " lots, %" PRIu64 " sales, %" PRIu64
               " audit records\n",
               err == 0 ? "sound" : "UNSOUND", report->entries, report->postings, report->accounts,
               report->members, report->cards, report->lots, report->sales,
               report->audit_records);
        if (report->audit_first_broken != 0) {
            printf("audit chain broken at record %" PRIu64 "\n", report->audit_first_broken);
        }
    }
    for (size_t index = 0; index < report->problems_count; index++) {
        fprintf(stderr, "problem: %s\n", report->problems[index]);
    }
    if (report->problems_total > report->problems_count) {
        fprintf(stderr, "... and %" PRIu64 " more problems\n",
                report->problems_total - report->problems_count);
    }
    free(report);
    if (err != 0 && err != LTY_E_CORRUPT) return lty_cli_fail("verify failed: %s", lty_strerror(err));
    return err == 0 ? LTY_CLI_EXIT_OK : LTY_CLI_EXIT_FAILED;
}

/* ---- backup ------------------------------------------------------------------------------ */

static int file_copy(const char *from, const char *to)
{
    struct stat info;
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return errno == ENOENT ? 0 : LTY_E_IO; /* optional files may be absent */
    if (fstat(in, &info) != 0) {
        close(in);
        return LTY_E_IO;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, info.st_mode & 0777);
    int err = out < 0 ? LTY_E_IO : 0;
    char chunk[16384];
    ssize_t got;
    while (err == 0 && (got = read(in, chunk, sizeof(chunk))) > 0) {
        if (write(out, chunk, (size_t)got) != got) err = LTY_E_IO;
    }
    if (out >= 0 && fsync(out) != 0) err = LTY_E_IO;
    if (out >= 0) close(out);
    close(in);
    return err;
}

static int backup_side_files(const char *from_dir, const char *to_dir)
{
    /* Never the CA's key: it is not in DIR, and a backup is a data directory like DIR. */
    static const char *const files[] = {
        "loyaltyd.conf", "demo-cards.txt", "tls/ca.crt", "tls/server.crt",
        "tls/server.key", "tls/revoked.txt", "tls/demo-till.crt", "tls/demo-till.key",
        "tls/demo-operator.crt", "tls/demo-operator.key", LTY_PIN_PEPPER_FILE,
        "demo-coupons.txt",
        "demo-members.txt", "tls/portal.crt", "tls/portal.key", "tls/portal-ca.crt",
        LTY_COUPON_KEY_FILE, NULL,
    };
    char from[LTY_CLI_PATH_SIZE + 32], to[LTY_CLI_PATH_SIZE + 32];
    snprintf(to, sizeof(to), "%s/tls", to_dir);
    if (mkdir(to, 0700) != 0) return LTY_E_IO;
    for (size_t index = 0; files[index] != NULL; index++) {
        snprintf(from, sizeof(from), "%s/%s", from_dir, files[index]);
        snprintf(to, sizeof(to), "%s/%s", to_dir, files[index]);
        int err = file_copy(from, to);
        if (err != 0) return err;
    }
    return 0;
}

int lty_cli_backup(lty_cli_t *cli)
{
    const char *dir = cli->args[0], *out = cli->args[1];
    struct stat info;
    if (stat(out, &info) == 0) return lty_cli_fail("%s already exists; nothing changed", out);
    lty_store_t *store = NULL;
    int err = store_open_at(dir, true, false, &store);
    if (err != 0) return lty_cli_fail("cannot open %s/ledger: %s", dir, lty_strerror(err));
    int64_t started_ms = lty_clock_monotonic_ms();
    char ledger[LTY_CLI_PATH_SIZE + 16];
    snprintf(ledger, sizeof(ledger), "%s/ledger", out);
    err = mkdir(out, 0700) == 0 ? 0 : LTY_E_IO;
    if (err == 0) err = lty_store_backup(store, ledger);
    lty_store_close(store);
    if (err == 0) err = backup_side_files(dir, out);
    if (err != 0) {
        nftw(out, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        return lty_cli_fail("backup of %s failed: %s; %s removed", dir, lty_strerror(err), out);
    }
    printf("backup of %s written to %s in %" PRId64 " ms (compacted); check it with "
           "`loyaltyctl verify %s`\n", dir, out, lty_clock_monotonic_ms() - started_ms, out);
    return LTY_CLI_EXIT_OK;
}

/* ---- stats ------------------------------------------------------------------------------- */

static const char *const db_names[] = {
#define LTY_DB(id, name, flags, doc) name,
#include "records.def"
#undef LTY_DB
};

/* Security events in the audit trail: a refusal records one by design (api/audit.c). */
static bool stats_skipped(lty_db_t db, lty_bytes_t value)
{
    if (db != LTY_DB_AUDIT) return false;
    lty_audit_t audit;
    return lty_record_audit_decode(value, &audit) == 0 &&
           strncmp(audit.action, "security.", 9) == 0;
}

/* Per database: entry count and a digest of every key and value, so two snapshots compare
 * equal exactly when the ledger's content is the same. Idempotency records and the audit
 * trail's security events are left out: a refusal stores them by design while changing nothing
 * else. */
static int stats_db(lty_store_txn_t *txn, lty_db_t db, uint64_t *count_out, uint8_t digest[32])
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, db, &cursor);
    if (err != 0) return err;
    uint8_t running[32] = {0};
    uint64_t count = 0;
    lty_bytes_t key, value, none = {NULL, 0};
    err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, none, &key, &value);
    while (err == 0) {
        if (stats_skipped(db, value)) {
            err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, none, &key, &value);
            continue;
        }
        size_t size = 32 + key.size + value.size + 16;
        uint8_t *block = malloc(size);
        if (block == NULL) {
            err = LTY_E_NOMEM;
            break;
        }
        memcpy(block, running, 32);
        memcpy(block + 32, &key.size, 8);
        memcpy(block + 40, &value.size, 8);
        memcpy(block + 48, key.data, key.size);
        memcpy(block + 48 + key.size, value.data, value.size);
        lty_crypto_sha256(block, 48 + key.size + value.size, running);
        free(block);
        count++;
        err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, none, &key, &value);
    }
    lty_store_cursor_close(cursor);
    memcpy(digest, running, 32);
    *count_out = count;
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

/* The digest of every database but the idempotency ones (and the audit trail's security events),
 * chained in open order: equal exactly when the ledger's content is equal (what a dry run or a
 * refusal must leave unchanged). */
static int content_digest(lty_store_t *store, char digest_hex_out[65])
{
    lty_store_txn_t *txn = NULL;
    int err = lty_store_read_begin(store, &txn);
    uint8_t chained[64] = {0};
    for (int db = 0; err == 0 && db < LTY_DB_COUNT; db++) {
        if (db == LTY_DB_IDEMPOTENCY || db == LTY_DB_IDEMPOTENCY_BY_EXPIRY) continue;
        uint64_t count = 0;
        err = stats_db(txn, (lty_db_t)db, &count, chained + 32);
        if (err == 0) lty_crypto_sha256(chained, sizeof(chained), chained);
    }
    lty_store_txn_abort(txn);
    for (int index = 0; err == 0 && index < 32; index++) {
        snprintf(digest_hex_out + 2 * index, 3, "%02x", chained[index]);
    }
    return err;
}

/* Balance totals: every account's balance summed by kind (member accounts over all members). */
typedef struct totals_s {
    int64_t balance[256];
    uint64_t accounts[256];
} totals_t;

static int totals_add_cb(totals_t *totals, lty_bytes_t key, lty_bytes_t value)
{
    if (value.size < 2 || ((const uint8_t *)value.data)[0] != LTY_RECORD_ACCOUNT) return 0;
    (void)key;
    lty_account_t account;
    int err = lty_record_account_decode(value, &account);
    if (err != 0) return err;
    totals->balance[account.kind] += account.balance;
    totals->accounts[account.kind]++;
    return 0;
}

static int totals_collect(lty_store_txn_t *txn, lty_db_t db, totals_t *totals)
{
    lty_store_cursor_t *cursor = NULL;
    int err = lty_store_cursor_open(txn, db, &cursor);
    lty_bytes_t key, value, none = {NULL, 0};
    if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_FIRST, none, &key, &value);
    while (err == 0) {
        err = totals_add_cb(totals, key, value);
        if (err == 0) err = lty_store_cursor_seek(cursor, LTY_SEEK_NEXT, none, &key, &value);
    }
    lty_store_cursor_close(cursor);
    return err == LTY_E_NOT_FOUND ? 0 : err;
}

static void totals_print(const lty_cli_t *cli, const totals_t *totals, bool *first)
{
    for (int kind = 1; kind < 256; kind++) {
        if (totals->accounts[kind] == 0 || !lty_account_kind_known((unsigned int)kind)) continue;
        const char *name = lty_account_kind_name((unsigned int)kind);
        bool money = lty_account_kind_asset((lty_account_kind_t)kind) == LTY_ASSET_CURRENCY;
        if (cli->json) {
            printf("%s{\"account\":\"%s\",\"asset\":\"%s\",\"accounts\":%" PRIu64
                   ",\"balance\":%" PRId64 "}",
                   *first ? "" : ",", name, money ? "currency" : "points", totals->accounts[kind],
                   totals->balance[kind]);
            *first = false;
            continue;
        }
        char amount[40];
        if (money) lty_cli_money_format(totals->balance[kind], amount, sizeof(amount));
        else snprintf(amount, sizeof(amount), "%" PRId64, totals->balance[kind]);
        printf("balance %-20s %16s  (%" PRIu64 " account%s)\n", name, amount,
               totals->accounts[kind], totals->accounts[kind] == 1 ? "" : "s");
    }
}

int lty_cli_stats(lty_cli_t *cli)
{
    lty_store_t *store = NULL;
    int err = store_open_at(cli->args[0], true, false, &store);
    if (err != 0) return lty_cli_fail("cannot open %s/ledger: %s", cli->args[0], lty_strerror(err));
    lty_store_txn_t *txn = NULL;
    err = lty_store_read_begin(store, &txn);
    if (cli->json) printf("{\"databases\":[");
    for (int db = 0; err == 0 && db < LTY_DB_COUNT; db++) {
        if (db == LTY_DB_IDEMPOTENCY || db == LTY_DB_IDEMPOTENCY_BY_EXPIRY) continue;
        uint64_t count = 0;
        uint8_t digest[32];
        err = stats_db(txn, (lty_db_t)db, &count, digest);
        if (err != 0) break;
        char hex[17];
        for (int index = 0; index < 8; index++) snprintf(hex + 2 * index, 3, "%02x", digest[index]);
        if (cli->json) {
            printf("%s{\"name\":\"%s\",\"records\":%" PRIu64 ",\"digest\":\"%s\"}",
                   db == 0 ? "" : ",", db_names[db], count, hex);
        } else {
            printf("%-22s %10" PRIu64 "  %s\n", db_names[db], count, hex);
        }
    }
    /* Balance totals: system accounts live in ACCOUNTS, member accounts in MEMBER_LEDGER. */
    static totals_t totals;
    memset(&totals, 0, sizeof(totals));
    if (err == 0) err = totals_collect(txn, LTY_DB_ACCOUNTS, &totals);
    if (err == 0) err = totals_collect(txn, LTY_DB_MEMBER_LEDGER, &totals);
    bool first = true;
    if (cli->json) printf("],\"balances\":[");
    if (err == 0) totals_print(cli, &totals, &first);
    if (cli->json) printf("]}\n");
    lty_store_txn_abort(txn);
    lty_store_close(store);
    return err == 0 ? LTY_CLI_EXIT_OK : lty_cli_fail("stats failed: %s", lty_strerror(err));
}

/* ---- restore, migrate -------------------------------------------------------------------- */

int lty_cli_restore(lty_cli_t *cli)
{
    const char *backup = cli->args[0], *dir = cli->args[1];
    lty_store_t *store = NULL;
    int err = store_open_at(backup, true, false, &store);
    if (err != 0) return lty_cli_fail("cannot open %s/ledger: %s", backup, lty_strerror(err));
    lty_verify_report_t *report = calloc(1, sizeof(*report));
    err = report != NULL ? lty_verify_store(store, report) : LTY_E_NOMEM;
    free(report);
    if (err != 0) {
        lty_store_close(store);
        return lty_cli_fail("%s does not verify (%s): nothing restored; `loyaltyctl data verify "
                            "%s` names the problems", backup, lty_strerror(err), backup);
    }
    struct stat info;
    bool existed = stat(dir, &info) == 0;
    if (!dir_is_empty_or_absent(dir)) {
        lty_store_close(store);
        return lty_cli_fail("%s exists and is not empty: restore into a new folder, then swap "
                            "them with the daemon stopped", dir);
    }
    if (!existed && mkdir(dir, 0700) != 0) err = LTY_E_IO;
    char ledger[LTY_CLI_PATH_SIZE + 16];
    snprintf(ledger, sizeof(ledger), "%s/ledger", dir);
    if (err == 0) err = lty_store_backup(store, ledger);
    lty_store_close(store);
    if (err == 0) err = backup_side_files(backup, dir);
    if (err != 0) {
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        if (existed) mkdir(dir, 0700);
        return lty_cli_fail("restore into %s failed: %s; nothing was left behind", dir,
                            lty_strerror(err));
    }
    printf("restored %s into %s (verified before copying); start it with `loyaltyd --data %s`\n",
           backup, dir, dir);
    return LTY_CLI_EXIT_OK;
}

int lty_cli_migrate(lty_cli_t *cli)
{
    const char *dir = cli->args[0];
    if (lty_cli_daemon_signal(dir, 0) == 0) {
        return lty_cli_fail("a daemon serves %s: stop it first (it migrates at start too)", dir);
    }
    lty_store_t *store = NULL;
    int err = store_open_at(dir, false, false, &store);
    if (err != 0) return lty_cli_fail("cannot open %s/ledger: %s", dir, lty_strerror(err));
    lty_store_txn_t *txn = NULL;
    uint32_t version = 0;
    err = lty_store_read_begin(store, &txn);
    int check = err == 0 ? lty_migrate_check(txn, &version) : err;
    lty_store_txn_abort(txn);
    if (check == 1) {
        do { /* grow the map and start again when a migration fills it, as loyaltyd does */
            err = lty_store_txn_begin(store, NULL, &txn);
            if (err == 0) err = lty_migrate_apply(txn);
            if (err == 0) err = lty_store_txn_commit(txn);
            else lty_store_txn_abort(txn);
        } while (err == LTY_E_STORE_FULL && lty_store_map_grow(store) == 0);
    }
    lty_store_close(store);
    if (check < 0) return lty_cli_fail("cannot migrate %s: %s", dir, lty_strerror(check));
    if (err != 0) return lty_cli_fail("migration of %s failed: %s; nothing changed", dir,
                                      lty_strerror(err));
    if (check == 0) printf("%s is already at schema %u\n", dir, LTY_SCHEMA_VERSION);
    else printf("%s migrated from schema %u to %u\n", dir, version, LTY_SCHEMA_VERSION);
    return LTY_CLI_EXIT_OK;
}
