#!/usr/bin/env bash
# Goal: member profiles: enrolment with every profile field, update with validation,
# the unique phone, search by phone / card / name prefix with paging, and an audit record with
# old and new value for every change. Every refusal leaves the store unchanged.
# Method: the real daemon over TLS, curl, loyaltyctl stats snapshots, loyaltyctl verify at the end.
source "$LTY_SOURCE_DIR/tests/support/lib.sh"
lty_init_demo
lty_start

request op POST /v1/admin/members '{"name":"Zhang Wei","phone":"+8613911112222","email":"zw@example.com","birthday":"1990-02-28","gender":"male","preferred_store":"S001","consents":{"sms":true,"email":false}}' \
    -H "Idempotency-Key: $(key)"
MEMBER=$(json .member_id)
check "enrol with the whole profile (201)" \
    test "$STATUS/$(json .birthday)/$(json .gender)/$(json .preferred_store)/$(json .consents.sms)/$(json .consents.email)/$(json .tier)" = "201/1990-02-28/male/S001/true/false/Member"

snapshot before
request op POST /v1/admin/members '{"name":"Other","phone":"+8613911112222"}' -H "Idempotency-Key: $(key)"
expect_error "duplicate phone" 409 phone_taken
unchanged "after duplicate phone" before
request op POST /v1/admin/members '{"name":"Other","phone":"13911112222"}' -H "Idempotency-Key: $(key)"
expect_error "phone without +country code" 422 invalid_field
request op POST /v1/admin/members '{"name":"Other","phone":"+86139111122223333"}' -H "Idempotency-Key: $(key)"
expect_error "phone longer than E.164" 422 invalid_field
request op POST /v1/admin/members '{"name":"Other","phone":"+8613900000009","email":"no-at-sign.example.com"}' -H "Idempotency-Key: $(key)"
expect_error "email without @" 422 invalid_field
request op POST /v1/admin/members '{"name":"Other","phone":"+8613900000009","email":"a@b"}' -H "Idempotency-Key: $(key)"
expect_error "email without a dot in the domain" 422 invalid_field
request op POST /v1/admin/members '{"name":"Other","phone":"+8613900000009","birthday":"1990-02-30"}' -H "Idempotency-Key: $(key)"
expect_error "impossible birthday" 422 invalid_field
request op POST /v1/admin/members '{"name":"Other","phone":"+8613900000009","birthday":"2999-01-01"}' -H "Idempotency-Key: $(key)"
expect_error "birthday in the future" 422 invalid_field
request op POST /v1/admin/members '{"name":"Other","phone":"+8613900000009","preferred_store":"S999"}' -H "Idempotency-Key: $(key)"
expect_error "unknown preferred store" 422 invalid_field
request op POST /v1/admin/members '{"name":"Other","phone":"+8613900000009","gender":"robot"}' -H "Idempotency-Key: $(key)"
expect_error "unknown gender" 422 invalid_field
request op POST /v1/admin/members '{"name":"Other","phone":"+8613900000009","consents":{"fax":true}}' -H "Idempotency-Key: $(key)"
expect_error "unknown consent channel" 422 invalid_field
unchanged "after every invalid enrolment" before

# Update: invalid values, a phone that belongs to someone else, a closed... unknown member.
request op PATCH "/v1/admin/members/$MEMBER" '{"email":"bad"}' -H "Idempotency-Key: $(key)"
expect_error "update: invalid email" 422 invalid_field
request op PATCH "/v1/admin/members/$MEMBER" '{"phone":"+86 139"}' -H "Idempotency-Key: $(key)"
expect_error "update: invalid phone" 422 invalid_field
request op GET /v1/admin/members/1
DEMO_PHONE=$(json .phone)
request op PATCH "/v1/admin/members/$MEMBER" '{"phone":"'"$DEMO_PHONE"'"}' -H "Idempotency-Key: $(key)"
expect_error "update: another member's phone ($DEMO_PHONE)" 409 phone_taken
request op PATCH "/v1/admin/members/$MEMBER" '{}' -H "Idempotency-Key: $(key)"
expect_error "update with no field" 422 invalid_field
request op PATCH "/v1/admin/members/999999" '{"name":"X"}' -H "Idempotency-Key: $(key)"
expect_error "update of an unknown member" 404 member_not_found
unchanged "after every refused update" before

request op PATCH "/v1/admin/members/$MEMBER" '{"name":"Zhang Weiwei","phone":"+8613933334444","email":"","consents":{"email":true}}' \
    -H "Idempotency-Key: $(key)"
check "update four fields (200, 4 changed)" \
    test "$STATUS/$(json .fields_changed)/$(json .name)/$(json .phone)/$(json '.email // "none"')/$(json .consents.sms)/$(json .consents.email)" = "200/4/Zhang Weiwei/+8613933334444/none/true/true"
request op PATCH "/v1/admin/members/$MEMBER" '{"name":"Zhang Weiwei"}' -H "Idempotency-Key: $(key)"
check "the same value again changes nothing (0 changed)" test "$STATUS/$(json .fields_changed)" = "200/0"

# The old phone is free again; the new one is taken.
request op GET "/v1/admin/members?phone=%2B8613911112222"
check "search by the old phone finds nobody" test "$STATUS/$(json '.members|length')" = "200/0"
request op GET "/v1/admin/members?phone=%2B8613933334444"
check "search by the new phone finds the member" test "$STATUS/$(json '.members[0].member_id')" = "200/$MEMBER"
request op GET "/v1/admin/members?card_no=$DEMO_CARD"
check "search by card number finds its holder" test "$STATUS/$(json '.members|length')" = "200/1"

# Name prefix, case-insensitive, paged two at a time over three matches.
for n in 1 2 3; do
    request op POST /v1/admin/members '{"name":"Prefixtest '$n'","phone":"+861380000000'$n'"}' -H "Idempotency-Key: $(key)"
done
request op GET "/v1/admin/members?name=prefixTEST&limit=2"
NEXT=$(json .next_after)
check "name prefix: first page of 2 with a next_after" test "$STATUS/$(json '.members|length')/$(json '.members[0].name')" = "200/2/Prefixtest 1"
request op GET "/v1/admin/members?name=prefixtest&limit=2&after=$NEXT"
check "name prefix: second page has the third, no more" \
    test "$STATUS/$(json '.members|length')/$(json '.members[0].name')/$(json .next_after)" = "200/1/Prefixtest 3/null"
request op GET "/v1/admin/members?name=Zhang"
check "the renamed member is found under the new name" test "$(json '.members[0].name')" = "Zhang Weiwei"
request op GET "/v1/admin/members"
expect_error "search without a criterion" 400 invalid_query
request op GET "/v1/admin/members?name=a&phone=%2B86139"
expect_error "search with two criteria" 400 invalid_query

# The audit log: who, when, old and new value for each change, newest first.
request op GET "/v1/admin/members/$MEMBER/audit"
check "audit: creation and four field changes (5 records)" test "$STATUS/$(json '.audit|length')" = "200/5"
check "audit: the phone change has old and new value" \
    test "$(json '[.audit[] | select(.detail=="phone")][0] | .old_value + ">" + .new_value')" = "+8613911112222>+8613933334444"
check "audit: made by the operator" test "$(json '.audit[0].by')" = "operator:demo-operator"
request op GET "/v1/admin/members/$MEMBER/audit?limit=2"
NEXT=$(json .next_after)
request op GET "/v1/admin/members/$MEMBER/audit?limit=10&after=$NEXT"
check "audit paging: 2 then the 3 older records" test "$(json '.audit|length')/$(json .next_after)" = "3/null"

request op POST /v1/admin/clock '{"offset_ms":1000}'
expect_error "the test clock without --test-clock" 404 not_found

lty_finish
