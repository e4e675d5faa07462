//! QR codes for the window to draw (the authenticator set-up's otpauth URI): computed here,
//! drawn as squares by the front end, never sent anywhere.

use qrcode::{Color, EcLevel};

use crate::views::QrCode;

/// `text` as a QR code (error correction M), or `None` when it is too long for one.
pub fn qr_code(text: &str) -> Option<QrCode> {
    let code = qrcode::QrCode::with_error_correction_level(text, EcLevel::M).ok()?;
    let size = code.width();
    let rows = code
        .to_colors()
        .chunks(size)
        .map(|row| {
            row.iter()
                .map(|color| if *color == Color::Dark { '1' } else { '0' })
                .collect()
        })
        .collect();
    Some(QrCode {
        size: u32::try_from(size).ok()?,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the modules with a quiet zone, as the window does, and reads it back with an
    /// independent QR decoder.
    fn read_back(code: &QrCode) -> String {
        const SCALE: usize = 4;
        const QUIET: usize = 4;
        let size = code.size as usize;
        let pixels = (size + 2 * QUIET) * SCALE;
        let dark = |x: usize, y: usize| {
            let (mx, my) = (x / SCALE, y / SCALE);
            mx >= QUIET
                && my >= QUIET
                && mx < QUIET + size
                && my < QUIET + size
                && code.rows[my - QUIET].as_bytes()[mx - QUIET] == b'1'
        };
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(pixels, pixels, |x, y| {
            if dark(x, y) {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        grids[0].decode().unwrap().1
    }

    #[test]
    fn an_otpauth_uri_reads_back_exactly() {
        let uri = "otpauth://totp/Switchboard%20Demo:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Switchboard%20Demo&algorithm=SHA1&digits=6&period=30";
        let code = qr_code(uri).unwrap();
        assert_eq!(code.rows.len(), code.size as usize);
        assert!(code.rows.iter().all(|row| row.len() == code.size as usize));
        assert_eq!(read_back(&code), uri);
    }

    #[test]
    fn text_too_long_for_a_qr_code_is_none() {
        assert_eq!(qr_code(&"x".repeat(5000)), None);
    }
}
