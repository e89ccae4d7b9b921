#!/usr/bin/perl
# A hixie-76 (hybi-00) client built on Protocol::WebSocket 0.26, used as an
# independent peer in the interop tests.
#
# usage: perl_client.pl [--no-content-length] [--protocol NAME] [--hixie75]
#                       HOST PORT PATH ORIGIN MESSAGE
#
# Opens ws://HOST:PORT/PATH with the given Origin, sends MESSAGE as one text
# frame, expects it echoed back, sends the closing frame FF 00 and expects
# FF 00 back (or the server closing TCP). Prints "connected", "< MESSAGE" and
# "closed" on stdout as it goes; exits 0 on success, 1 with one stderr line
# giving the reason otherwise, 2 on bad usage.
#
# Protocol::WebSocket picks the handshake flavour from the `version` given to
# Handshake::Client->new: 'draft-ietf-hybi-00' is hixie-76 (Key1/Key2, key3
# and the 16-byte MD5 answer). Its request always carries `Content-Length: 8`;
# --no-content-length drops that line, as a browser of the time would
# (websocket-driver never answers a request that has it).
# --protocol NAME offers a subprotocol and then requires the answer to name it.
# --hixie75 speaks 'draft-hixie-75' instead: no keys, the answer's fields
# without `Sec-`, and no closing handshake, so after the echo the client
# closes TCP and prints "closed".
# Set PEER_TIMEOUT (seconds, default 10) to change the time allowed overall.
use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);
use Protocol::WebSocket::Frame;
use Protocol::WebSocket::Handshake::Client;

my $ME = 'perl_client.pl';

sub usage {
    print STDERR "usage: $ME [--no-content-length] [--protocol NAME] [--hixie75] "
      . "HOST PORT PATH ORIGIN MESSAGE\n";
    exit 2;
}

sub fail {
    print STDERR "$ME: @_\n";
    exit 1;
}

my $strip_content_length = 0;
my $protocol;
my $hixie75 = 0;
while (@ARGV && $ARGV[0] =~ /^--/) {
    my $opt = shift @ARGV;
    if    ($opt eq '--no-content-length') { $strip_content_length = 1 }
    elsif ($opt eq '--protocol')          { $protocol = shift @ARGV // usage() }
    elsif ($opt eq '--hixie75')           { $hixie75 = 1 }
    else                                  { usage() }
}
usage() unless @ARGV == 5;
my ($host, $port, $path, $origin, $message) = @ARGV;
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

# Reads whatever is available into $buf before the deadline.
# Returns the number of bytes read, 0 at end of stream.
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
    version => $hixie75 ? 'draft-hixie-75' : 'draft-ietf-hybi-00',
);
# hixie-75 names the answer's fields without the `Sec-` prefix.
my $pfx = $hixie75 ? '' : 'Sec-';
$hs->req->origin($origin);
$hs->req->subprotocol($protocol) if defined $protocol;

my $request = $hs->to_string;
if ($strip_content_length) {
    # Only touch the head: key3 after the blank line is 8 arbitrary bytes.
    my $end = index($request, "\r\n\r\n");
    fail("the library built a request without a blank line") if $end < 0;
    my $head = substr($request, 0, $end + 2);
    $head =~ s/^Content-Length:[^\r\n]*\r\n//mi;
    $request = $head . substr($request, $end + 2);
}
write_all($request, 'the opening handshake');

until ($hs->is_done) {
    read_more('the handshake response')
      or fail('connection closed during the opening handshake');
    # parse() consumes $buf and puts back whatever follows the 16-byte answer.
    $hs->parse($buf) or fail('handshake refused: ' . $hs->error);
}

# The library checks the MD5 answer; the echo of Origin and Location and the
# subprotocol are checked here.
my $res = $hs->res;
my $want_location = "ws://$host" . ($port == 80 ? '' : ":$port") . $path;
my $got_location  = $res->field("${pfx}WebSocket-Location") // '(none)';
fail("${pfx}WebSocket-Location is '$got_location', expected '$want_location'")
  unless $got_location eq $want_location;
my $got_origin = $res->field("${pfx}WebSocket-Origin") // '(none)';
fail("${pfx}WebSocket-Origin is '$got_origin', expected '$origin'")
  unless $got_origin eq $origin;
my $got_protocol = $res->field("${pfx}WebSocket-Protocol");
if (defined $protocol) {
    fail("${pfx}WebSocket-Protocol is '" . ($got_protocol // '(none)')
          . "', expected '$protocol'")
      unless defined $got_protocol && $got_protocol eq $protocol;
    print "connected protocol=$protocol\n";
}
else {
    fail("unrequested ${pfx}WebSocket-Protocol '$got_protocol' in the answer")
      if defined $got_protocol;
    print "connected\n";
}

my $reader = Protocol::WebSocket::Frame->new(version => $hs->version);
write_all($hs->build_frame(buffer => $message)->to_bytes, 'the message');

# Returns the next complete frame's payload, undef at end of stream.
sub next_frame {
    my ($what) = @_;
    while (1) {
        $reader->append($buf);
        my $bytes = $reader->next_bytes;
        return $bytes if defined $bytes;
        read_more($what) or return undef;
    }
}

my $echo = next_frame('the echo');
fail('connection closed before the echo arrived') unless defined $echo;
fail('server started the closing handshake instead of echoing')
  if $reader->is_close;
fail("echo is '$echo', expected '$message'") unless $echo eq $message;
print "< $echo\n";

if ($hixie75) {
    # No closing handshake in hixie-75: closing TCP ends the connection.
    close $sock;
    print "closed\n";
    exit 0;
}

write_all($hs->build_frame(type => 'close')->to_bytes, 'the closing frame');

my $reply = next_frame('the closing frame');
if (defined $reply) {
    fail("unexpected message '$reply' instead of the closing frame")
      unless $reader->is_close;
    # After FF 00 a server sends nothing more and closes TCP.
    # Frame has no accessor for what it still holds, hence the peek inside.
    fail('bytes after the closing frame')
      if length($buf) || length($reader->{buffer} // '');
    while (read_more('the server to close the connection')) {
        fail('bytes after the closing frame');
    }
}
print "closed\n";
close $sock;
exit 0;
