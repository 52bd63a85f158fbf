#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/fuzz_harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::stage_table(data));
