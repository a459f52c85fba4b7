/* SPDX-License-Identifier: MIT */
/* QR codes as SVG, for what a cashier scans off a member's phone (coupons and vouchers, issue
 * 13). The symbol is made by libqrencode (Debian's libqrencode-dev), never by hand; this file
 * only draws its modules as one SVG path, with the quiet zone the standard asks for. The only
 * libqrencode user. */
#include "api.h"
#include "lty/lty_assert.h"

#include <qrencode.h>
#include <string.h>

#define QR_QUIET_MODULES 4

int lty_api_qr_svg_render(lty_buf_t *out, const char *text)
{
    LTY_ASSERT(out != NULL && text != NULL);
    size_t size = strlen(text);
    if (size == 0 || size > LTY_QR_TEXT_BYTES_MAX) return LTY_E_INVALID_FIELD;
    /* Level M: 15% of the symbol may be damaged (a scratched phone screen) and still scan. */
    QRcode *code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (code == NULL) return LTY_E_NOMEM;
    int width = code->width;
    int side = width + 2 * QR_QUIET_MODULES;
    lty_buf_appendf(out,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                    "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                    "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                    side, side, side, side);
    for (int row = 0; row < width; row++) {
        for (int column = 0; column < width; column++) {
            if ((code->data[row * width + column] & 1) == 0) continue; /* bit 0: dark module */
            lty_buf_appendf(out, "M%d %dh1v1h-1z", column + QR_QUIET_MODULES,
                            row + QR_QUIET_MODULES);
        }
    }
    lty_buf_append_str(out, "\"/></svg>");
    QRcode_free(code);
    return lty_buf_error(out);
}
