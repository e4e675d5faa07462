//! `POST /v1/token`'s form body, parsed and read as the endpoint does before it reaches the
//! database.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = switchboard_portal::fuzzing::token_request(data);
});
