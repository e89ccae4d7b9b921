#!/usr/bin/env bash
# Regenerates the committed seed corpus in fuzz/seeds/<target>/ from the conformance requests
# (tests/vectors/server/*.req), the peer-style and plain HTTP requests in fuzz/requests/*.req,
# the client response vectors (tests/vectors/responses.tsv) and the frame vectors
# (tests/vectors/frames.tsv).
# Seeds start with the setup bytes each target decodes (src/server.rs and src/client.rs:
# Setup::decode; src/frames.rs: setup; src/roundtrip.rs: run).
# usage: bash fuzz/make-seeds.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
seeds="$here/seeds"
rm -rf "$seeds"
for target in server_handshake server_split key_differential client_response client_split \
    frame_decoder frame_split roundtrip; do
    mkdir -p "$seeds/$target"
done

# seed TARGET NAME PREFIX-OCTAL-ESCAPES FILE
seed() {
    { printf "$3"; cat "$4"; } >"$seeds/$1/$2"
}

for req in "$here"/../tests/vectors/server/*.req "$here"/requests/*.req; do
    name="$(basename "$req" .req)"
    # Defaults, accepting the first offered subprotocol.
    seed server_handshake "$name" '\010\0\0\0\0\0' "$req"
    # In pieces of one byte; then of 3, 0 (an empty read) and 7 bytes, cycled.
    seed server_split "$name-bytewise" '\010\0\0\0\0\0\001\001' "$req"
    seed server_split "$name-3-0-7" '\010\0\0\0\0\0\003\003\0\007' "$req"
done
# The other setups: hixie-75 allowed and TLS; echoing a field; a first output buffer of 16
# bytes; a 400-byte head limit and 4 fields; storage of 280 bytes; no subprotocol picked from
# an offer (so the request is refused); a message limit of 2 bytes for the connection handed
# over, whose first frame is longer.
seed server_handshake hixie75-allowed-secure '\013\0\0\0\0\0' "$here/../tests/vectors/server/hixie75-request.req"
seed server_handshake echo-cookie '\014\0\0\0\0\0' "$here/requests/behind-proxy.req"
seed server_handshake small-out '\020\0\0\0\020\0' "$here/requests/webkit-style.req"
seed server_handshake small-limits '\010\012\005\0\0\0' "$here/requests/webkit-style.req"
seed server_handshake small-storage '\010\0\0\007\0\0' "$here/requests/webkit-style.req"
seed server_handshake no-protocol-chosen '\0\0\0\0\0\0' "$here/../tests/vectors/server/v1-spec.req"
seed server_handshake key3-then-frame-small-limit '\010\0\0\0\0\006' "$here/../tests/vectors/server/key3-then-frame.req"
seed server_split small-limits-bytewise '\010\012\005\0\0\0\001\001' "$here/requests/webkit-style.req"
# hixie-75 allowed, then frames: FF 00 is no close there, only a frame to discard.
{ printf '\001\0\0\0\0\0'; cat "$here/../tests/vectors/server/hixie75-request.req"; printf '\377\000\000hi\377'; } \
    >"$seeds/server_handshake/hixie75-then-ff00"
{ printf '\001\0\0\0\0\0\003\003\0\007'; cat "$here/../tests/vectors/server/hixie75-request.req"; printf '\377\000\000hi\377'; } \
    >"$seeds/server_split/hixie75-then-ff00-3-0-7"

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

# Hex to bytes.
unhex() { perl -e 'print pack("H*", $ARGV[0])' "$1"; }

# client_response / client_split: 12 setup bytes (flags, sizes, field limit, 8 seed bytes, the
# connection's frame configuration), then the response. Flags bits 0-1 pick the offered
# subprotocols: none, "sample", "chat superchat".
# hexseed TARGET NAME PREFIX-OCTAL-ESCAPES HEX
hexseed() {
    { printf "$3"; unhex "$4"; } >"$seeds/$1/$2"
}
# The 8 seed bytes and the frame configuration, all zero.
zeros='\0\0\0\0\0\0\0\0\0'
# (Tabs become 0x1F first: `read` would merge adjacent tabs, and empty columns with them.)
while IFS=$'\037' read -r name offered hex _; do
    case "$name" in '#'* | '') continue ;; esac
    case "$offered" in
        '') flags='\0' ;;
        sample) flags='\001' ;;
        'chat superchat') flags='\002' ;;
        *) echo "make-seeds.sh: no setup offers '$offered'" >&2; exit 1 ;;
    esac
    hexseed client_response "$name" "$flags\\0\\0$zeros" "$hex"
    hexseed client_split "$name-bytewise" "$flags\\0\\0$zeros\\001\\001" "$hex"
    hexseed client_split "$name-3-0-7" "$flags\\0\\0$zeros\\003\\003\\0\\007" "$hex"
done < <(tr '\t' '\037' <"$here/../tests/vectors/responses.tsv")

ok_hex="$(awk -F'\t' '$1 == "ok-frame-after" { print $3 }' "$here/../tests/vectors/responses.tsv")"
# The same response to a client with keys from entropy, the answer patched in by the harness.
hexseed client_response entropy-keys-patched "\\060\\0\\0\\1\\2\\3\\4\\5\\6\\7\\10\\0" "$ok_hex"
hexseed client_split entropy-keys-patched-3-0-7 "\\060\\0\\0\\1\\2\\3\\4\\5\\6\\7\\10\\0\\003\\003\\0\\007" "$ok_hex"
# A lower-case Upgrade value, accepted with the leniency on.
lower_hex="$(awk -F'\t' '$1 == "lowercase-upgrade" { print $3 }' "$here/../tests/vectors/responses.tsv")"
hexseed client_response lowercase-upgrade-lenient "\\004\\0\\0$zeros" "$lower_hex"
# hixie-75 (flag bit 3), offering "sample" (bit 0).
h75='HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nWebSocket-Origin: http://example.com\r\nWebSocket-Location: ws://example.com/demo\r\nWebSocket-Protocol: sample\r\n\r\n\000hi\377'
printf "\\011\\0\\0$zeros$h75" >"$seeds/client_response/hixie75"
printf "\\011\\0\\0$zeros\\001\\001$h75" >"$seeds/client_split/hixie75-bytewise"
# The same with FF 00 after it, which hixie-75 discards: it has no closing handshake.
printf "\\011\\0\\0$zeros$h75\\377\\000" >"$seeds/client_response/hixie75-ff00-after"
# The vectors' response with the server's close after it, for the connection handed over.
hexseed client_response ok-close-after "\\0\\0\\0$zeros" "${ok_hex}ff00"
# Head storage of 8 bytes (byte 1 = 1 << 1): less than any status line, the caller's mistake.
hexseed client_response storage-too-small "\\0\\002\\0$zeros" "$ok_hex"
# The second URL (flag bit 7, byte 1 bit 0 clear): ws://EXAMPLE.com:80/demo?x=1, whose Location
# is canonical; keys from entropy, answer patched in.
loc='HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\nSec-WebSocket-Location: ws://example.com/demo?x=1\r\n\r\n0123456789abcdef'
printf "\\260\\0\\0\\11\\0\\0\\0\\0\\0\\0\\0\\0$loc" >"$seeds/client_response/canonical-location"

# frame_decoder / frame_split: 3 setup bytes (flags: bit 0 replace invalid UTF-8, bit 1 no
# closing handshake; message limit n-1; length-prefix limit n-1), then the frames.
while IFS=$'\037' read -r name hex _; do
    case "$name" in '#'* | '') continue ;; esac
    hexseed frame_decoder "$name" '\0\0\0' "$hex"
    hexseed frame_decoder "$name-replace-small" '\001\011\003' "$hex"
    hexseed frame_decoder "$name-hixie75" '\002\0\0' "$hex"
    hexseed frame_split "$name-bytewise" '\0\0\0\001\001' "$hex"
    hexseed frame_split "$name-3-0-7" '\001\0\0\003\003\0\007' "$hex"
done < <(tr '\t' '\037' <"$here/../tests/vectors/frames.tsv")
# A character split across pieces, invalid bytes replaced, a 4-byte character at the limit.
hexseed frame_split split-chars-replace '\001\006\0\001\001' '00c3a9e282acf09f9880ff00e228ff00f09f98ff'
hexseed frame_split limit-4-byte-char '\0\005\0\002\002\0' '00f09f9880ff00f09f988061ff'

# roundtrip: flags (bit 0 hixie-75, bit 1 Content-Length, bits 2-3 subprotocol count, bits 4-5
# extra field count, bit 6 origin from the input, bit 7 lossy text), URL index, 8 seed bytes,
# [origin], subprotocols and fields (a length byte each), the server's subprotocol choice
# (bits 0-1: 0 the first offered, 1 none, 2 the offered one at index byte >> 2, 3 a name that
# follows with a length byte), then the text.
rt() { printf "$2" >"$seeds/roundtrip/$1"; }
rt defaults '\0\0\1\2\3\4\5\6\7\10\0Hello'
rt offers-and-cookie '\130\2\11\22\33\44\55\66\77\0\022http://App.Example\004chat\011superchat\006Cookie\004id=1\006h\303\251llo \342\202\254'
rt hixie75-one-protocol '\105\3\0\0\0\0\0\0\0\1\004null\006sample\0\000'
rt hixie75-choice-by-name '\105\3\0\0\0\0\0\0\0\1\004null\006sample\003\006samplehi'
rt content-length-ipv6 '\002\4\377\377\377\377\377\377\377\377\0\000\377'
rt origin-crlf-refused '\100\0\1\1\1\1\1\1\1\1\016http://a\r\nX: y'
rt field-nul-refused '\020\1\0\0\0\0\0\0\0\0\003X-A\003a\000b'
rt reserved-field-refused '\020\1\0\0\0\0\0\0\0\0\004Host\001x'
rt hixie75-two-protocols-refused '\011\0\1\2\3\4\5\6\7\10\001a\001b'
rt hixie75-content-length-refused '\003\0\1\2\3\4\5\6\7\10'
rt lossy-text '\200\5\0\0\0\0\0\0\0\0\0a\377b\300\200c'
# Choices the server must refuse, writing nothing: a name not offered, none from an offer.
rt choice-not-offered '\004\0\1\2\3\4\5\6\7\10\004chat\003\011superchatHi'
rt choice-none-from-offer '\004\0\1\2\3\4\5\6\7\10\004chat\001Hi'
rt choice-none-no-offer '\0\0\1\2\3\4\5\6\7\10\001Hi'
