//! Netstrings (`<length>:<bytes>,`), the framing of baresip's `ctrl_tcp` interface.

use crate::error::PhoneError;

/// The longest message taken from the engine (its events are a few hundred bytes).
const MAX_LENGTH: usize = 1 << 20;

pub fn encode(payload: &[u8]) -> Vec<u8> {
    let mut frame = format!("{}:", payload.len()).into_bytes();
    frame.extend_from_slice(payload);
    frame.push(b',');
    frame
}

/// Takes the first complete netstring off `buffer`: `Ok(None)` while it is incomplete.
pub fn decode(buffer: &mut Vec<u8>) -> Result<Option<Vec<u8>>, PhoneError> {
    let Some(colon) = buffer.iter().position(|&b| b == b':') else {
        if buffer.len() > 20 || buffer.iter().any(|b| !b.is_ascii_digit()) {
            return Err(malformed(buffer));
        }
        return Ok(None);
    };
    let digits = &buffer[..colon];
    if digits.is_empty() || digits.iter().any(|b| !b.is_ascii_digit()) {
        return Err(malformed(buffer));
    }
    let length: usize = std::str::from_utf8(digits)
        .ok()
        .and_then(|text| text.parse().ok())
        .filter(|&length| length <= MAX_LENGTH)
        .ok_or_else(|| malformed(buffer))?;
    let end = colon + 1 + length;
    if buffer.len() <= end {
        return Ok(None);
    }
    if buffer[end] != b',' {
        return Err(malformed(buffer));
    }
    let payload = buffer[colon + 1..end].to_vec();
    buffer.drain(..=end);
    Ok(Some(payload))
}

fn malformed(buffer: &[u8]) -> PhoneError {
    let start: String = String::from_utf8_lossy(&buffer[..buffer.len().min(40)]).into();
    PhoneError::Malformed(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_round_trips_and_leaves_the_rest() {
        let mut buffer = encode(b"{\"a\":1}");
        buffer.extend_from_slice(b"3:ab");
        assert_eq!(decode(&mut buffer).unwrap(), Some(b"{\"a\":1}".to_vec()));
        assert_eq!(decode(&mut buffer).unwrap(), None, "incomplete");
        buffer.extend_from_slice(b"c,");
        assert_eq!(decode(&mut buffer).unwrap(), Some(b"abc".to_vec()));
        assert!(buffer.is_empty());
    }

    #[test]
    fn garbage_and_oversized_lengths_are_refused() {
        assert!(decode(&mut b"x1:a,".to_vec()).is_err());
        assert!(decode(&mut b"3:abcX".to_vec()).is_err());
        assert!(decode(&mut b"99999999999:".to_vec()).is_err());
        assert!(decode(&mut b"hello".to_vec()).is_err());
    }
}
