#!/usr/bin/env bash
# Goal: the HTTP framing faults a hostile probe found are refused before anything is committed:
# two arbitrary bytes after a chunk's data (llhttp strict), obs-fold whose first line is empty
# (Content-Length, Content-Type, Idempotency-Key), a transfer coding other than plain chunked
# (501), HTTP/1.1 without Host (400); and the small protocol duties: 405 names the allowed
# methods in Allow, media types are case-insensitive with parameters allowed.
# Method: raw requests over one TLS connection each (tests/support/hostile.py), every one a sale
# that would commit if its framing were accepted; the store digest (loyaltyctl stats) compared
# before and after; curl for the rest; loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
HOSTILE="python3 $LTY_SOURCE_DIR/tests/support/hostile.py"
lty_init_demo
lty_start
raw_send() { $HOSTILE "$1" "$LTY_PORT" "$CA" "$TILL_CERT" "$TILL_KEY" codes; }
raw() { # NAME EXPECTED ("statuses=... codes=..."): send $LTY_TMP/raw, compare the answer
    local got
    got=$(raw_send "$LTY_TMP/raw")
    check "$1 -> $2 (got $got)" test "$got" = "$2"
}
SALE='{"card_no":"'$DEMO_CARD'","receipt_no":"P-1","lines":[{"sku":"A","qty":1,"amount_cents":100}]}'
# sale_raw KEY HEADERS BODY: a raw till sale into $LTY_TMP/raw; HEADERS and BODY are printf
# formats ending the head and making the body, with the sale's length and text as arguments.
sale_raw() {
    {
        printf 'POST /v1/till/sales HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
        printf 'Idempotency-Key: %s\r\n' "$1"
        # shellcheck disable=SC2059
        printf "$2$3" "${#SALE}" "$SALE"
    } >"$LTY_TMP/raw"
}
CHUNKED='Transfer-Encoding: chunked\r\n\r\n'

# Control: the same framing, well formed, commits (so each refusal below is the framing's).
sale_raw p-ok "$CHUNKED" '%x\r\n%s\r\n0\r\n\r\n'
raw "a well-framed chunked sale commits" "statuses=201 codes=none"
snapshot after_control

sale_raw p-chunk "$CHUNKED" '%x\r\n%sXY0\r\n\r\n'
raw "two bytes instead of CRLF after a chunk's data" "statuses=400 codes=bad_request"
sale_raw p-cl 'Content-Length:\r\n %d\r\n\r\n' '%s'
raw "obs-fold: Content-Length:CRLF SP 99" "statuses=400 codes=bad_request"
{
    printf 'POST /v1/till/sales HTTP/1.1\r\nHost: x\r\nContent-Type:\r\n application/json\r\n'
    printf 'Idempotency-Key: p-ct\r\nContent-Length: %d\r\n\r\n%s' "${#SALE}" "$SALE"
} >"$LTY_TMP/raw"
raw "obs-fold: Content-Type:CRLF SP application/json" "statuses=400 codes=bad_request"
{
    printf 'POST /v1/till/sales HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
    printf 'Idempotency-Key:\r\n k\r\nContent-Length: %d\r\n\r\n%s' "${#SALE}" "$SALE"
} >"$LTY_TMP/raw"
raw "obs-fold: Idempotency-Key:CRLF SP k" "statuses=400 codes=bad_request"
sale_raw p-gzip 'Transfer-Encoding: gzip, chunked\r\n\r\n' '%x\r\n%s\r\n0\r\n\r\n'
raw "Transfer-Encoding: gzip, chunked" "statuses=501 codes=not_implemented"
{
    printf 'POST /v1/till/sales HTTP/1.1\r\nContent-Type: application/json\r\n'
    printf 'Idempotency-Key: p-host\r\nContent-Length: %d\r\n\r\n%s' "${#SALE}" "$SALE"
} >"$LTY_TMP/raw"
raw "HTTP/1.1 without Host" "statuses=400 codes=bad_request"
sale_raw p-trailer "$CHUNKED" '%x\r\n%s\r\n0\r\nX-T: 1\r\n\r\n'
raw "a chunked trailer field" "statuses=400 codes=bad_request"
unchanged "every framing refusal" after_control

# 405 names what the path allows.
request till DELETE /v1/till/sales
expect_error "DELETE on /v1/till/sales" 405 method_not_allowed
check "its Allow header is POST" grep -qi '^Allow: POST' <<<"$HEADERS"
request op PUT /v1/admin/members/1
expect_error "PUT on a member" 405 method_not_allowed
check "its Allow header lists GET, HEAD, PATCH" grep -qi '^Allow: GET, HEAD, PATCH' <<<"$HEADERS"

# Media types are case-insensitive; a charset parameter must be UTF-8.
sale_as() { # CONTENT_TYPE RECEIPT
    local body=${SALE/P-1/$2}
    STATUS=$(curl -sS --cacert "$CA" --cert "$TILL_CERT" --key "$TILL_KEY" -o "$LTY_TMP/body" \
        -w '%{http_code}' -H "Content-Type: $1" -H "Idempotency-Key: $(key)" \
        --data-binary "$body" "$BASE/v1/till/sales")
    BODY=$(cat "$LTY_TMP/body")
}
sale_as "APPLICATION/JSON" P-2
check "Content-Type: APPLICATION/JSON is accepted ($STATUS)" test "$STATUS" = 201
sale_as "application/json; charset=UTF-8" P-3
check "Content-Type with charset=UTF-8 is accepted ($STATUS)" test "$STATUS" = 201
sale_as 'Application/Json;charset="utf-8"' P-4
check "Content-Type with a quoted charset is accepted ($STATUS)" test "$STATUS" = 201
snapshot media
sale_as "application/json; charset=latin1" P-5
expect_error "Content-Type with charset=latin1" 415 unsupported_media_type
sale_as "application/jsonx" P-6
expect_error "Content-Type application/jsonx" 415 unsupported_media_type
unchanged "media type refusals" media

lty_finish
