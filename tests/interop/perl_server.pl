#!/usr/bin/perl
# A hixie-76 (hybi-00) echo server built on Protocol::WebSocket 0.26, used as
# an independent peer in the interop tests.
#
# usage: perl_server.pl [--allow-hixie75] PORT      (PORT 0 picks a free port)
#
# Prints "listening on 127.0.0.1:PORT" as its first stdout line, then serves
# each connection in a child process: the opening handshake, an echo of every
# text message, and the closing handshake (FF 00 answered with FF 00, then
# TCP closed). A subprotocol offered by the client is echoed back whole, as a
# server of the single-value draft does. Diagnostics go to stderr.
#
# Handshake::Server needs no version setting: it reads the request and
# takes 'draft-ietf-hybi-00' (hixie-76) when both Sec-WebSocket-Key1 and
# Sec-WebSocket-Key2 are present, and 'draft-hixie-75' when no key is.
# hixie-75 requests are served only with --allow-hixie75. Known quirk: the
# library answers them with hixie-76's status line
# ("HTTP/1.1 101 WebSocket Protocol Handshake"), not hixie-75's.
#
# Known quirk of the peer, not worked around here: the library refuses the
# handshake ("Leftovers") when frame bytes arrive in the same read as key3,
# so a client that sends a message right behind its request may be refused.
use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use Protocol::WebSocket::Frame;
use Protocol::WebSocket::Handshake::Server;

my $ME           = 'perl_server.pl';
my $IDLE_TIMEOUT = $ENV{PEER_TIMEOUT} || 30;

my $allow_hixie75 = 0;
if (@ARGV && $ARGV[0] eq '--allow-hixie75') {
    shift @ARGV;
    $allow_hixie75 = 1;
}
my $port = @ARGV ? $ARGV[0] : 0;
unless (@ARGV <= 1 && $port =~ /^\d+$/ && $port <= 65535) {
    print STDERR "usage: $ME [--allow-hixie75] PORT\n";
    exit 2;
}

my $listener = IO::Socket::INET->new(
    LocalAddr => '127.0.0.1',
    LocalPort => $port,
    Proto     => 'tcp',
    Listen    => 16,
    ReuseAddr => 1,
) or die "$ME: cannot listen on 127.0.0.1:$port: $@\n";

$| = 1;
print "listening on 127.0.0.1:" . $listener->sockport . "\n";

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

    my $read = sub {
        return undef unless IO::Select->new($conn)->can_read($IDLE_TIMEOUT);
        my $n = sysread($conn, my $chunk, 65536);
        return undef unless $n;
        return $chunk;
    };
    my $write = sub {
        my ($bytes) = @_;
        while (length $bytes) {
            my $n = syswrite($conn, $bytes);
            return 0 unless defined $n;
            substr($bytes, 0, $n, '');
        }
        return 1;
    };

    my $hs = Protocol::WebSocket::Handshake::Server->new;
    until ($hs->is_done) {
        my $chunk = $read->();
        unless (defined $chunk) {
            $log->('connection closed or idle during the opening handshake');
            return;
        }
        unless ($hs->parse($chunk)) {
            $log->('handshake refused: ' . $hs->error);
            return;
        }
    }
    my $served = $hs->version eq 'draft-ietf-hybi-00'
      || ($allow_hixie75 && $hs->version eq 'draft-hixie-75');
    unless ($served) {
        $log->('not a hixie-76 request (' . $hs->version . '), closing');
        return;
    }
    my $offered = $hs->req->subprotocol;
    $hs->res->subprotocol($offered) if defined $offered;
    $write->($hs->to_string) or return;

    my $frame = $hs->build_frame;
    while (defined(my $chunk = $read->())) {
        $frame->append($chunk);
        while (defined(my $bytes = $frame->next_bytes)) {
            if ($frame->is_close) {
                $write->($hs->build_frame(type => 'close')->to_bytes);
                close $conn;
                return;
            }
            $write->($hs->build_frame(buffer => $bytes)->to_bytes) or return;
        }
    }
    $log->('connection closed or idle without a closing handshake');
}
