#!/usr/bin/perl
# Perl's hixie-76 (hybi-00) client, Protocol::WebSocket 0.26, through the gateway: an
# independent client that must get the backend's answer, not an echo of its own message.
#
# usage: perl_client.pl [--protocol NAME] HOST PORT PATH ORIGIN MESSAGE EXPECTED
#
# Opens ws://HOST:PORT/PATH with the given Origin (offering NAME with --protocol, and then
# requiring the answer to name it), sends MESSAGE as one text frame, expects EXPECTED back,
# sends the closing frame FF 00 and expects FF 00 back (or TCP closed). Prints "connected"
# (or "connected protocol=NAME"), "< EXPECTED" and "closed" on stdout as it goes; exits 0 on
# success, 1 with one stderr line giving the reason otherwise, 2 on bad usage.
# PEER_TIMEOUT (seconds, default 10) bounds the whole run.
use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);
use Protocol::WebSocket::Frame;
use Protocol::WebSocket::Handshake::Client;

my $ME = 'perl_client.pl';

sub usage {
    print STDERR "usage: $ME [--protocol NAME] HOST PORT PATH ORIGIN MESSAGE EXPECTED\n";
    exit 2;
}

sub fail {
    print STDERR "$ME: @_\n";
    exit 1;
}

my $protocol;
while (@ARGV && $ARGV[0] =~ /^--/) {
    my $opt = shift @ARGV;
    if ($opt eq '--protocol') { $protocol = shift @ARGV // usage() }
    else                      { usage() }
}
usage() unless @ARGV == 6;
my ($host, $port, $path, $origin, $message, $expected) = @ARGV;
usage() unless $port =~ /^\d+$/ && $path =~ m{^/};

my $timeout  = $ENV{PEER_TIMEOUT} || 10;
my $deadline = time + $timeout;
$| = 1;

my $sock = IO::Socket::INET->new(
    PeerAddr => $host,
    PeerPort => $port,
    Proto    => 'tcp',
    Timeout  => $timeout,
) or fail("cannot connect to $host:$port: $@");
binmode $sock;

my $buf = '';

# Reads what is available into $buf before the deadline; 0 at the end of the stream.
sub read_more {
    my ($what) = @_;
    my $left = $deadline - time;
    fail("timed out after ${timeout}s waiting for $what")
      if $left <= 0 || !IO::Select->new($sock)->can_read($left);
    my $n = sysread($sock, my $chunk, 65536);
    fail("read error while waiting for $what: $!") unless defined $n;
    $buf .= $chunk;
    return $n;
}

sub write_all {
    my ($bytes, $what) = @_;
    while (length $bytes) {
        my $n = syswrite($sock, $bytes);
        fail("write error while sending $what: $!") unless defined $n;
        substr($bytes, 0, $n, '');
    }
}

my $hs = Protocol::WebSocket::Handshake::Client->new(
    url     => "ws://$host:$port$path",
    version => 'draft-ietf-hybi-00',
);
$hs->req->origin($origin);
$hs->req->subprotocol($protocol) if defined $protocol;
write_all($hs->to_string, 'the opening handshake');

until ($hs->is_done) {
    read_more('the handshake response')
      or fail('connection closed during the opening handshake');
    if ($buf =~ m{\AHTTP/1\.1 ([0-9]{3})} && $1 ne '101') {
        fail("handshake refused with status $1");
    }
    $hs->parse($buf) or fail('handshake refused: ' . $hs->error);
}

# The library checks the MD5 answer; Location, Origin and the subprotocol are checked here.
my $res = $hs->res;
my $want_location = "ws://$host" . ($port == 80 ? '' : ":$port") . $path;
my $got_location  = $res->field('Sec-WebSocket-Location') // '(none)';
fail("Sec-WebSocket-Location is '$got_location', expected '$want_location'")
  unless $got_location eq $want_location;
my $got_origin = $res->field('Sec-WebSocket-Origin') // '(none)';
fail("Sec-WebSocket-Origin is '$got_origin', expected '$origin'")
  unless $got_origin eq $origin;
my $got_protocol = $res->field('Sec-WebSocket-Protocol');
if (defined $protocol) {
    fail("Sec-WebSocket-Protocol is '" . ($got_protocol // '(none)') . "', expected '$protocol'")
      unless defined $got_protocol && $got_protocol eq $protocol;
    print "connected protocol=$protocol\n";
}
else {
    fail("unrequested Sec-WebSocket-Protocol '$got_protocol' in the answer")
      if defined $got_protocol;
    print "connected\n";
}

my $reader = Protocol::WebSocket::Frame->new(version => $hs->version);
write_all($hs->build_frame(buffer => $message)->to_bytes, 'the message');

# The next complete frame's payload; undef at the end of the stream.
sub next_frame {
    my ($what) = @_;
    while (1) {
        $reader->append($buf);
        my $bytes = $reader->next_bytes;
        return $bytes if defined $bytes;
        read_more($what) or return undef;
    }
}

my $answer = next_frame('the answer');
fail('connection closed before the answer arrived') unless defined $answer;
fail('the closing handshake came instead of the answer') if $reader->is_close;
fail("the answer is '$answer', expected '$expected'") unless $answer eq $expected;
print "< $answer\n";

write_all($hs->build_frame(type => 'close')->to_bytes, 'the closing frame');
my $reply = next_frame('the closing frame');
fail("unexpected message '$reply' instead of the closing frame")
  if defined $reply && !$reader->is_close;
print "closed\n";
close $sock;
exit 0;
