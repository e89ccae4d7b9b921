#!/usr/bin/env bash
# Regenerates the committed seed corpus in fuzz/seeds/<target>/ from the conformance requests
# (tests/vectors/server/*.req) and the peer-style requests in fuzz/requests/*.req.
# Seeds start with the setup bytes each target decodes (see src/server.rs, Setup::decode).
# usage: bash fuzz/make-seeds.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
seeds="$here/seeds"
rm -rf "$seeds"
mkdir -p "$seeds/server_handshake" "$seeds/server_split" "$seeds/key_differential"

# seed TARGET NAME PREFIX-OCTAL-ESCAPES FILE
seed() {
    { printf "$3"; cat "$4"; } >"$seeds/$1/$2"
}

for req in "$here"/../tests/vectors/server/*.req "$here"/requests/*.req; do
    name="$(basename "$req" .req)"
    # Defaults, accepting the first offered subprotocol.
    seed server_handshake "$name" '\010\0\0\0\0' "$req"
    # In pieces of one byte; then of 3, 0 (an empty read) and 7 bytes, cycled.
    seed server_split "$name-bytewise" '\010\0\0\0\0\001\001' "$req"
    seed server_split "$name-3-0-7" '\010\0\0\0\0\003\003\0\007' "$req"
done
# The other setups: hixie-75 allowed and TLS; echoing a field; a first output buffer of 16
# bytes; a 400-byte head limit and 4 fields; storage of 280 bytes.
seed server_handshake hixie75-allowed-secure '\013\0\0\0\0' "$here/../tests/vectors/server/hixie75-request.req"
seed server_handshake echo-cookie '\014\0\0\0\0' "$here/requests/behind-proxy.req"
seed server_handshake small-out '\020\0\0\0\020' "$here/requests/webkit-style.req"
seed server_handshake small-limits '\010\012\005\0\0' "$here/requests/webkit-style.req"
seed server_handshake small-storage '\010\0\0\007\0' "$here/requests/webkit-style.req"
seed server_split small-limits-bytewise '\010\012\005\0\0\001\001' "$here/requests/webkit-style.req"

# key_differential: a byte giving the length of key 1, key3, key 1, key 2.
# key NAME KEY3 KEY1 KEY2 (KEY3 is 8 bytes given with printf %b escapes).
key() {
    { printf "\\$(printf '%03o' "${#3}")"; printf '%b' "$2"; printf '%s' "$3" "$4"; } \
        >"$seeds/key_differential/$1"
}
key draft-example '^n:ds[4U' '4 @1  46546xW%0l 1 5' '12998 5 Y3 1  .P00'
key twelve-spaces 'Tm[K T2u' '18x 6]8vM;54 *(5:  {   U1]8  z [  8' '1_ tx7X d  <  nw  334J702) 7]o}` 0'
key leading-zeros '\0\1\2\3\4\5\6\7' '000000000000000000000000004294967295 x' '0 0 '
key over-u32 'abcdefgh' '4294967296 ' '8589934590  '
key zero-and-tabs '\377\376\375\374\0\0\0\0' '0 ' $'7\t8\t'
key not-integral '\r\n\r\n \r\n ' '7  x' '1299853100      '
key no-digits '\377\377\377\377\377\377\377\377' ' x  y z' '5 '
