#!/usr/bin/perl
# Keep-alive survey driver for Perl Protocol::WebSocket 0.26 as a hixie-76
# client (Handshake::Client with version draft-ietf-hybi-00 for the handshake,
# Frame for the framing), driven the way its documentation shows.
#
# usage: perl_protocol_websocket.pl URL ORIGIN [WAIT_SECS [LISTEN_SECS]]
#
# The command line and the output are the same for every driver (see
# ../README.md): connect to URL with ORIGIN, wait WAIT_SECS (default 1.5) for
# whatever the server sends, send the text message "hello", listen LISTEN_SECS
# (default 1.0) more, then exit 0. One line per event on stdout:
#   open | message ESCAPED | binary HEX | close [DETAIL] | error REASON
# A close or an error ends the run early. Exit 2 on bad usage, 1 if the
# driver itself breaks.
use strict;
use warnings;

use Encode qw(decode);
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);
use Protocol::WebSocket::Frame;
use Protocol::WebSocket::Handshake::Client;

my $ME = 'perl_protocol_websocket.pl';
my $NUM = qr/^(?:\d+(?:\.\d*)?|\.\d+)$/;

unless ((@ARGV == 2 || @ARGV == 3 || @ARGV == 4)
    && $ARGV[0] =~ m{^ws://([^/:]+):(\d+)(/.*)?$}
    && (!defined $ARGV[2] || $ARGV[2] =~ $NUM)
    && (!defined $ARGV[3] || $ARGV[3] =~ $NUM))
{
    print STDERR "usage: $ME URL ORIGIN [WAIT_SECS [LISTEN_SECS]]\n";
    exit 2;
}
my ($url, $origin, $wait, $listen) = @ARGV;
my ($host, $port) = $url =~ m{^ws://([^/:]+):(\d+)};
$wait   //= 1.5;
$listen //= 1.0;

$| = 1;

# The same escaping in every driver: backslash doubled, C0 controls and DEL as
# \xNN, other non-ASCII characters as \u{HEX} (bytes that are not UTF-8 as
# \xNN where the library hands over bytes).
sub escaped {
    my ($text) = @_;
    my $chars = utf8::is_utf8($text);
    return join '', map {
        my $c = ord;
        if    ($_ eq '\\')                { '\\\\' }
        elsif ($c < 0x20 || $c == 0x7f)   { sprintf '\\x%02x', $c }
        elsif ($c > 0x7f && $chars)       { sprintf '\\u{%x}', $c }
        elsif ($c > 0x7f)                 { sprintf '\\x%02x', $c }
        else                              { $_ }
    } split //, $text;
}

sub event { print join(' ', @_), "\n" }

sub finish {
    event(@_) if @_;
    exit 0;
}

my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp', Timeout => 5)
  or finish('error', "connect: $@");
binmode $sock;
my $sel = IO::Select->new($sock);

sub write_all {
    my ($bytes) = @_;
    while (length $bytes) {
        my $n = syswrite($sock, $bytes);
        finish('error', "write: $!") unless defined $n;
        substr($bytes, 0, $n, '');
    }
}

my $hs = Protocol::WebSocket::Handshake::Client->new(url => $url, version => 'draft-ietf-hybi-00');
$hs->req->origin($origin);
write_all($hs->to_string);

my $buf      = '';
my $deadline = time + 5;

# Reads more into $buf, waiting until $until at most. Returns 0 on timeout and
# ends the run on end of stream.
sub read_more {
    my ($until) = @_;
    my $left = $until - time;
    return 0 unless $left > 0 && $sel->can_read($left);
    my $n = sysread($sock, $buf, 65536, length $buf);
    finish('error', "read: $!") unless defined $n;
    finish('close', 'tcp') unless $n;
    return 1;
}

until ($hs->is_done) {
    read_more($deadline) or finish('error', 'no handshake response within 5s');
    # parse() consumes $buf and puts back whatever follows the 16-byte answer.
    $hs->parse($buf) or finish('error', 'handshake: ' . $hs->error);
}
event('open');

my $frame = Protocol::WebSocket::Frame->new(version => $hs->version);

sub drain_frames {
    $frame->append($buf);
    while (defined(my $bytes = $frame->next_bytes)) {
        finish('close') if $frame->is_close;
        # Text as the library hands it over: bytes, shown as characters when
        # they are UTF-8 and byte by byte when they are not.
        my $text = eval { decode('UTF-8', $bytes, Encode::FB_CROAK | Encode::LEAVE_SRC) } // $bytes;
        event('message', escaped($text));
    }
}

my $phase_end = time + $wait;
while (1) {
    drain_frames();
    last unless read_more($phase_end);
}
write_all($hs->build_frame(buffer => 'hello')->to_bytes);
$phase_end = time + $listen;
while (1) {
    drain_frames();
    last unless read_more($phase_end);
}
close $sock;
exit 0;
