//! Fuzzes `cloudfit::read::fuzz::plist_shapes`: see that function for the input and what must hold.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cloudfit::read::fuzz::plist_shapes(data));
