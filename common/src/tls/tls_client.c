/* SPDX-License-Identifier: MIT */
/* Client TLS configuration: the programme CA the server must chain to, the till's or operator's
 * own certificate, the expected server name, and the last session kept for resumption by
 * ticket. Sessions on it are tls_session.c's; sockets are the HTTP client's. Everything here
 * logs through the caller's logger, never the process log, because the till library links it
 * and may run several clients on several threads. */
#include "tls_internal.h"

#include "lty/lty_assert.h"
#include "lty/lty_err.h"

#include <stdlib.h>
#include <string.h>

static int client_config_build(lty_tls_client_t *client, bool with_cert)
{
    int rc = mbedtls_ssl_config_defaults(&client->base.config, MBEDTLS_SSL_IS_CLIENT,
                                         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0) return lty__tls_log_mbedtls(&client->logger, "config_defaults", rc), LTY_E_TLS;
    lty__tls_policy_apply(&client->base.config);
    mbedtls_ssl_conf_authmode(&client->base.config, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&client->base.config, &client->base.ca, NULL);
    mbedtls_ssl_conf_session_tickets(&client->base.config, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
    if (with_cert) {
        rc = mbedtls_ssl_conf_own_cert(&client->base.config, &client->base.cert, &client->base.key);
        if (rc != 0) return lty__tls_log_mbedtls(&client->logger, "conf_own_cert", rc), LTY_E_TLS;
    }
    return 0;
}

void lty_tls_client_close(lty_tls_client_t *client)
{
    if (client == NULL) return;
    lty__tls_base_free(&client->base);
    mbedtls_ssl_session_free(&client->session);
    pthread_mutex_destroy(&client->session_mutex);
    free(client->server_name);
    free(client);
}

int lty_tls_client_open(lty_tls_client_t **client_out, const lty_tls_client_options_t *options)
{
    LTY_ASSERT(client_out != NULL);
    LTY_ASSERT(options != NULL && options->ca_cert_path != NULL);
    LTY_ASSERT((options->cert_path == NULL) == (options->key_path == NULL));
    *client_out = NULL;
    lty_logger_t logger = {.cb = options->log_cb, .userdata = options->log_userdata};
    if (lty__tls_random_ready(&logger) != 0) return LTY_E_TLS;
    lty_tls_client_t *client = calloc(1, sizeof(*client));
    if (client == NULL) return LTY_E_NOMEM;
    client->logger = logger;
    lty__tls_base_init(&client->base);
    mbedtls_ssl_session_init(&client->session);
    pthread_mutex_init(&client->session_mutex, NULL);
    int err = 0;
    if (options->server_name != NULL) {
        client->server_name = strdup(options->server_name);
        if (client->server_name == NULL) err = LTY_E_NOMEM;
    }
    if (err == 0) {
        err = lty__tls_base_load(&client->base, options->ca_cert_path, options->cert_path,
                                 options->key_path, &client->logger, LTY_LOG_WARN);
    }
    if (err == 0) err = client_config_build(client, options->cert_path != NULL);
    if (err != 0) {
        lty_tls_client_close(client);
        return err;
    }
    *client_out = client;
    return 0;
}

int lty__tls_client_session_offer(lty_tls_client_t *client, mbedtls_ssl_context *ssl)
{
    LTY_ASSERT(client != NULL);
    LTY_ASSERT(ssl != NULL);
    if (client->server_name != NULL && mbedtls_ssl_set_hostname(ssl, client->server_name) != 0) {
        return LTY_E_NOMEM;
    }
    pthread_mutex_lock(&client->session_mutex);
    if (client->session_valid && mbedtls_ssl_set_session(ssl, &client->session) != 0) {
        client->session_valid = false; /* a full handshake then */
    }
    pthread_mutex_unlock(&client->session_mutex);
    return 0;
}

void lty__tls_client_session_remember(lty_tls_client_t *client, const mbedtls_ssl_context *ssl)
{
    LTY_ASSERT(client != NULL);
    LTY_ASSERT(ssl != NULL);
    pthread_mutex_lock(&client->session_mutex);
    mbedtls_ssl_session_free(&client->session);
    mbedtls_ssl_session_init(&client->session);
    client->session_valid = mbedtls_ssl_get_session(ssl, &client->session) == 0;
    pthread_mutex_unlock(&client->session_mutex);
}
