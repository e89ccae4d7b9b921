#!/usr/bin/perl
# Checks what a proxy sent a capture_server.pl backend: a PROXY protocol
# header of the given version naming a TCP/IPv4 connection from 127.0.0.1 to
# 127.0.0.1:PROXY_PORT, followed by exactly the bytes in SENT (the client's
# request, unchanged).
#
# usage: check_proxy_header.pl CAPTURED v1|v2|none PROXY_PORT SENT
# Prints one line describing what was found; exits 0 when it is as expected,
# 1 otherwise, 2 on bad usage.
use strict;
use warnings;

my $ME = 'check_proxy_header.pl';
@ARGV == 4 && $ARGV[1] =~ /^(v1|v2|none)$/ && $ARGV[2] =~ /^\d+$/
  or do { print STDERR "usage: $ME CAPTURED v1|v2|none PROXY_PORT SENT\n"; exit 2 };
my ($captured_file, $version, $proxy_port, $sent_file) = @ARGV;

sub slurp {
    my ($file) = @_;
    open(my $fh, '<:raw', $file) or do { print "cannot read $file: $!\n"; exit 1 };
    local $/;
    return scalar(<$fh>) // '';
}
my $got  = slurp($captured_file);
my $sent = slurp($sent_file);

sub bad { print "@_\n"; exit 1 }

sub printable {
    my ($s) = @_;
    $s = substr($s, 0, 60);
    $s =~ s/([^\x20-\x7e])/sprintf('\\x%02x', ord $1)/ge;
    return $s;
}

my ($header, $rest);
if ($version eq 'v1') {
    $got =~ /\A(PROXY TCP4 (\S+) (\S+) (\d+) (\d+)\r\n)/
      or bad('no PROXY v1 "PROXY TCP4 ..." line first; the capture starts with "' . printable($got) . '"');
    my ($src, $dst, $sport, $dport) = ($2, $3, $4, $5);
    $header = "PROXY v1: TCP4 $src:$sport -> $dst:$dport";
    $rest   = substr($got, length $1);
    bad("$header: expected 127.0.0.1 -> 127.0.0.1:$proxy_port")
      unless $src eq '127.0.0.1' && $dst eq '127.0.0.1' && $dport == $proxy_port;
}
elsif ($version eq 'v2') {
    my $sig = "\r\n\r\n\0\r\nQUIT\n";
    substr($got, 0, 12) eq $sig
      or bad('no PROXY v2 signature first; the capture starts with "' . printable($got) . '"');
    length($got) >= 16 or bad('PROXY v2 header cut short');
    my ($ver_cmd, $fam, $len) = unpack('C C n', substr($got, 12, 4));
    bad(sprintf('PROXY v2: version/command byte 0x%02x, expected 0x21 (v2, PROXY)', $ver_cmd))
      unless $ver_cmd == 0x21;
    bad(sprintf('PROXY v2: family byte 0x%02x, expected 0x11 (TCP over IPv4)', $fam))
      unless $fam == 0x11;
    bad("PROXY v2: address length $len, less than the 12 bytes of IPv4 addresses")
      unless $len >= 12 && length($got) >= 16 + $len;
    my ($src, $dst, $sport, $dport) = unpack('a4 a4 n n', substr($got, 16, 12));
    ($src, $dst) = map { join '.', unpack('C4', $_) } $src, $dst;
    my $tlv_bytes = $len - 12;
    $header = "PROXY v2: TCP4 $src:$sport -> $dst:$dport"
      . ($tlv_bytes ? ", $tlv_bytes bytes of TLVs" : ', no TLVs');
    $rest = substr($got, 16 + $len);
    bad("$header: expected 127.0.0.1 -> 127.0.0.1:$proxy_port")
      unless $src eq '127.0.0.1' && $dst eq '127.0.0.1' && $dport == $proxy_port;
}
else {
    $got =~ /\APROXY / || substr($got, 0, 12) eq "\r\n\r\n\0\r\nQUIT\n"
      and bad('a PROXY header where none was expected');
    $header = 'no PROXY header';
    $rest   = $got;
}

if ($rest ne $sent) {
    my $i = 0;
    $i++ while $i < length($rest) && $i < length($sent) && substr($rest, $i, 1) eq substr($sent, $i, 1);
    bad("$header, then " . length($rest) . " bytes that differ from the "
          . length($sent) . " sent, from byte $i: \"" . printable(substr($rest, $i)) . '"');
}
print "$header, then the ", length($sent), " bytes sent, unchanged\n";
exit 0;
