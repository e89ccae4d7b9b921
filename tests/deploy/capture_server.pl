#!/usr/bin/perl
# A stand-in backend that records what a proxy sends it: every accepted
# connection's bytes go to DIR/conn-N.bin (N counts from 1), and "accepted N
# from ADDR:PORT" / "closed N after BYTES bytes" lines go to stderr. It never
# answers; it closes a connection when the peer does or after IDLE seconds
# without data, and then creates DIR/conn-N.done.
#
# usage: capture_server.pl DIR [IDLE]     (IDLE seconds, default 1)
# Listens on 127.0.0.1 port 0 and prints "listening on 127.0.0.1:PORT" as
# its first stdout line, like the servers the tests start.
use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);

my $ME = 'capture_server.pl';
@ARGV == 1 || @ARGV == 2 or do { print STDERR "usage: $ME DIR [IDLE]\n"; exit 2 };
my ($dir, $idle) = @ARGV;
$idle //= 1;
-d $dir or do { print STDERR "$ME: $dir is not a directory\n"; exit 2 };

$SIG{TERM} = $SIG{INT} = sub { exit 0 };
$| = 1;

my $listener = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 16, ReuseAddr => 1)
  or do { print STDERR "$ME: cannot listen: $@\n"; exit 1 };
print "listening on 127.0.0.1:", $listener->sockport, "\n";

my $select = IO::Select->new($listener);
my $count  = 0;
my %conn;    # fileno => { sock, n, fh, bytes, last }

sub finish {
    my ($c) = @_;
    delete $conn{ fileno $c->{sock} };
    $select->remove($c->{sock});
    close $c->{sock};
    close $c->{fh};
    if (open(my $done, ">", "$dir/conn-$c->{n}.done")) { close $done }
    print STDERR "closed $c->{n} after $c->{bytes} bytes\n";
}

while (1) {
    for my $sock ($select->can_read(0.1)) {
        if ($sock == $listener) {
            my $client = $listener->accept or next;
            binmode $client;
            $count++;
            open(my $fh, '>:raw', "$dir/conn-$count.bin") or die "$ME: $dir/conn-$count.bin: $!\n";
            $fh->autoflush(1);
            $conn{ fileno $client } = { sock => $client, n => $count, fh => $fh, bytes => 0, last => time };
            $select->add($client);
            print STDERR "accepted $count from ", $client->peerhost, ":", $client->peerport, "\n";
            next;
        }
        my $c = $conn{ fileno $sock } or next;
        my $n = sysread($sock, my $chunk, 65536);
        if (!$n) {
            finish($c);
            next;
        }
        print { $c->{fh} } $chunk;
        $c->{bytes} += $n;
        $c->{last} = time;
    }
    for my $c (values %conn) {
        finish($c) if time - $c->{last} > $idle;
    }
}
