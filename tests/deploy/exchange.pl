#!/usr/bin/perl
# Sends stdin's bytes to HOST:PORT as they are and copies every byte the peer
# answers to stdout, until the peer closes the connection or sends nothing
# for IDLE seconds. It never half-closes its side, as a waiting WebSocket
# client would not. Used to send requests that no WebSocket client would
# build, and to see exactly what comes back.
#
# usage: exchange.pl HOST PORT [IDLE]     (IDLE seconds, default 3)
# Exits 0 when the peer closed, 3 when it went idle, 1 on a socket error
# (with one stderr line), 2 on bad usage.
use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;

my $ME = 'exchange.pl';
@ARGV == 2 || @ARGV == 3 or do { print STDERR "usage: $ME HOST PORT [IDLE]\n"; exit 2 };
my ($host, $port, $idle) = @ARGV;
$idle //= 3;

binmode STDIN;
binmode STDOUT;
$| = 1;
my $request = do { local $/; <STDIN> } // '';

my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp', Timeout => 5)
  or do { print STDERR "$ME: cannot connect to $host:$port: $@\n"; exit 1 };
binmode $sock;
while (length $request) {
    my $n = syswrite($sock, $request);
    defined $n or do { print STDERR "$ME: write error: $!\n"; exit 1 };
    substr($request, 0, $n, '');
}
my $select = IO::Select->new($sock);
while (1) {
    $select->can_read($idle) or exit 3;
    my $n = sysread($sock, my $chunk, 65536);
    defined $n or do { print STDERR "$ME: read error: $!\n"; exit 1 };
    exit 0 if $n == 0;
    print $chunk;
}
