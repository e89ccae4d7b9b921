#!/usr/bin/perl
# Sends stdin's bytes to HOST:PORT as they are and copies every byte the peer
# answers to stdout, until the peer closes the connection or sends nothing
# for IDLE seconds. It never half-closes its side, as a waiting WebSocket
# client would not. Used to send requests that no WebSocket client would
# build, and to see exactly what comes back.
#
# usage: exchange.pl [--local-port-file FILE] HOST PORT [IDLE]
#   IDLE seconds, default 3. --local-port-file writes the connection's own
#   (client-side) port to FILE once connected: a server behind a proxy that
#   passes the client's address on must log 127.0.0.1:THAT_PORT.
# Exits 0 when the peer closed, 3 when it went idle, 1 on a socket error
# (with one stderr line), 2 on bad usage.
use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;

my $ME = 'exchange.pl';
my $USAGE = "usage: $ME [--local-port-file FILE] HOST PORT [IDLE]\n";
my $port_file;
if (@ARGV && $ARGV[0] eq '--local-port-file') {
    shift @ARGV;
    $port_file = shift @ARGV // do { print STDERR $USAGE; exit 2 };
}
@ARGV == 2 || @ARGV == 3 or do { print STDERR $USAGE; exit 2 };
my ($host, $port, $idle) = @ARGV;
$idle //= 3;

binmode STDIN;
binmode STDOUT;
$| = 1;
my $request = do { local $/; <STDIN> } // '';

my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp', Timeout => 5)
  or do { print STDERR "$ME: cannot connect to $host:$port: $@\n"; exit 1 };
binmode $sock;
if (defined $port_file) {
    open(my $fh, '>', $port_file) or do { print STDERR "$ME: cannot write $port_file: $!\n"; exit 1 };
    print $fh $sock->sockport, "\n";
    close $fh;
}
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
