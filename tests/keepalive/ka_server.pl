#!/usr/bin/perl
# A stand-in hixie-76 (hybi-00) echo server that sends keep-alive frames, for
# the keep-alive survey in this folder. The opening handshake is
# Protocol::WebSocket's (Debian package libprotocol-websocket-perl).
#
# usage: ka_server.pl [--listen 127.0.0.1:PORT]
#                     [--keepalive-frame discard|sentinel|empty]
#                     [--keepalive SECS | --interval SECS]
#
# Prints exactly "listening on 127.0.0.1:PORT" as its first stdout line (PORT
# 0, the default, picks a free port), then serves each connection in a child
# process: the hixie-76 opening handshake, an echo of every text message, the
# closing handshake (FF 00 answered with FF 00, then TCP closed), and, from the
# end of the handshake on, one keep-alive frame every SECS seconds (fractional
# allowed) when both the frame kind and an interval are given:
#   discard   80 00   a length-prefixed frame of type 0x80, to be discarded
#   sentinel  01 FF   a sentinel frame of a non-zero type, to be discarded
#   empty     00 FF   an empty text message
# Without them no keep-alive is sent. --keepalive and --interval are the same
# flag: --keepalive is what the crate's own servers take. Only hixie-76
# requests are served; anything else is closed without an answer.
# Diagnostics go to stderr.
use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);
use Protocol::WebSocket::Handshake::Server;

my $ME           = 'ka_server.pl';
my $IDLE_TIMEOUT = 30;    # seconds without a byte from the client
my %FRAMES       = (discard => "\x80\x00", sentinel => "\x01\xff", empty => "\x00\xff");

sub usage {
    print STDERR "$ME: @_\n" if @_;
    print STDERR "usage: $ME [--listen 127.0.0.1:PORT] "
      . "[--keepalive-frame discard|sentinel|empty] [--keepalive SECS | --interval SECS]\n";
    exit 2;
}

my ($listen_port, $kind, $interval) = (0);
while (@ARGV) {
    my $opt = shift @ARGV;
    my $val = shift @ARGV;
    usage("$opt needs a value") unless defined $val;
    if ($opt eq '--listen') {
        $val =~ /^127\.0\.0\.1:(\d+)$/ && $1 <= 65535
          or usage("--listen takes 127.0.0.1:PORT (loopback only), not '$val'");
        $listen_port = $1;
    }
    elsif ($opt eq '--keepalive-frame') {
        exists $FRAMES{$val} or usage("unknown keep-alive frame kind '$val'");
        $kind = $val;
    }
    elsif ($opt eq '--keepalive' || $opt eq '--interval') {
        $val =~ /^(?:\d+(?:\.\d*)?|\.\d+)$/ && $val > 0
          or usage("$opt takes a positive number of seconds, not '$val'");
        $interval = $val;
    }
    else { usage("unknown argument '$opt'") }
}
usage('--keepalive-frame and an interval go together')
  if defined($kind) != defined($interval);

my $listener = IO::Socket::INET->new(
    LocalAddr => '127.0.0.1',
    LocalPort => $listen_port,
    Proto     => 'tcp',
    Listen    => 16,
    ReuseAddr => 1,
) or die "$ME: cannot listen on 127.0.0.1:$listen_port: $@\n";

$| = 1;
print "listening on 127.0.0.1:" . $listener->sockport . "\n";
print STDERR "$ME: keep-alive "
  . (defined $kind ? "$kind every ${interval}s" : 'off') . "\n";

$SIG{CHLD} = 'IGNORE';    # children are reaped by the system
$SIG{TERM} = $SIG{INT} = sub { exit 0 };

while (1) {
    my $conn = $listener->accept or next;
    my $pid  = fork;
    if (!defined $pid) {
        print STDERR "$ME: fork failed: $!\n";
        close $conn;
        next;
    }
    if ($pid == 0) {
        close $listener;
        $SIG{TERM} = $SIG{INT} = 'DEFAULT';
        serve($conn);
        exit 0;
    }
    close $conn;
}

sub serve {
    my ($conn) = @_;
    binmode $conn;
    my $peer = $conn->peerhost . ':' . $conn->peerport;
    my $log  = sub { print STDERR "$ME: $peer: @_\n" };
    my $sel  = IO::Select->new($conn);

    my $write = sub {
        my ($bytes) = @_;
        while (length $bytes) {
            my $n = syswrite($conn, $bytes);
            return 0 unless defined $n;
            substr($bytes, 0, $n, '');
        }
        return 1;
    };

    # The request head and the 8 bytes of key3 go to the library and nothing
    # more: Protocol::WebSocket refuses a request followed by frame bytes in
    # the same buffer ("Leftovers"), so what follows key3 is kept for the
    # frame reader.
    my $buf      = '';
    my $deadline = time + $IDLE_TIMEOUT;
    my $head_end;
    while (1) {
        $head_end = index($buf, "\r\n\r\n");
        last if $head_end >= 0 && length($buf) >= $head_end + 4 + 8;
        if ($head_end >= 0 && substr($buf, 0, $head_end) !~ /^Sec-WebSocket-Key1:/mi) {
            $log->('not a hixie-76 request (no Sec-WebSocket-Key1), closing');
            return;
        }
        my $left = $deadline - time;
        unless ($left > 0 && $sel->can_read($left) && sysread($conn, $buf, 65536, length $buf)) {
            $log->('connection closed or idle during the opening handshake');
            return;
        }
    }
    my $hs = Protocol::WebSocket::Handshake::Server->new;
    unless ($hs->parse(substr($buf, 0, $head_end + 4 + 8, ''))) {
        $log->('handshake refused: ' . $hs->error);
        return;
    }
    unless ($hs->is_done && $hs->version eq 'draft-ietf-hybi-00') {
        $log->('not a complete hixie-76 request (' . ($hs->version // '?') . '), closing');
        return;
    }
    my $offered = $hs->req->subprotocol;
    $hs->res->subprotocol($offered) if defined $offered;
    $write->($hs->to_string) or return;

    my $frame = $hs->build_frame;
    my $next_keepalive = defined $kind ? time + $interval : undef;
    my $sent = 0;
    $deadline = time + $IDLE_TIMEOUT;
    while (1) {
        if (length $buf) {
            $frame->append($buf);    # append() empties $buf
            while (defined(my $bytes = $frame->next_bytes)) {
                if ($frame->is_close) {
                    $write->($hs->build_frame(type => 'close')->to_bytes);
                    $log->("closing handshake after $sent keep-alive frame(s)");
                    close $conn;
                    return;
                }
                $write->($hs->build_frame(buffer => $bytes)->to_bytes) or return;
            }
        }
        my $now = time;
        if (defined $next_keepalive && $now >= $next_keepalive) {
            $write->($FRAMES{$kind}) or last;
            $sent++;
            $next_keepalive += $interval while $next_keepalive <= $now;
        }
        my $wait = $deadline - $now;
        last if $wait <= 0;
        $wait = $next_keepalive - $now
          if defined $next_keepalive && $next_keepalive - $now < $wait;
        next unless $sel->can_read($wait > 0 ? $wait : 0);
        my $n = sysread($conn, $buf, 65536);
        last unless $n;
        $deadline = time + $IDLE_TIMEOUT;
    }
    $log->("connection closed or idle without a closing handshake after $sent keep-alive frame(s)");
}
