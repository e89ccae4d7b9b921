#!/usr/bin/env ruby
# frozen_string_literal: true

# Keep-alive survey driver for the Ruby websocket gem (Debian package
# ruby-websocket, 1.2.9) as a hixie-76 client: Handshake::Client and the
# Frame::Incoming/Outgoing::Client classes with version 76, driven the way the
# gem's README shows (handshake <<, finished?, valid?, leftovers; frame <<,
# next, error).
#
# usage: ruby_websocket.rb URL ORIGIN [WAIT_SECS [LISTEN_SECS]]
#
# The command line and the output are the same for every driver (see
# ../README.md): connect to URL with ORIGIN, wait WAIT_SECS (default 1.5) for
# whatever the server sends, send the text message "hello", listen LISTEN_SECS
# (default 1.0) more, then exit 0. One line per event on stdout:
#   open | message ESCAPED | binary HEX | close [DETAIL] | error REASON
# A close or an error ends the run early. Exit 2 on bad usage, 1 if the
# driver itself breaks.

require 'socket'
require 'websocket'

ME = 'ruby_websocket.rb'
NUM = /\A(?:\d+(?:\.\d*)?|\.\d+)\z/.freeze

unless (2..4).cover?(ARGV.size) && ARGV[0] =~ %r{\Aws://([^/:]+):(\d+)(/.*)?\z} &&
       ARGV[2..].all? { |a| a =~ NUM }
  warn "usage: #{ME} URL ORIGIN [WAIT_SECS [LISTEN_SECS]]"
  exit 2
end
URL, ORIGIN = ARGV
HOST = Regexp.last_match(1) if URL =~ %r{\Aws://([^/:]+):(\d+)}
PORT = Integer(Regexp.last_match(2))
WAIT = Float(ARGV[2] || 1.5)
LISTEN = Float(ARGV[3] || 1.0)

$stdout.sync = true

# The same escaping in every driver: backslash doubled, C0 controls and DEL as
# \xNN, other non-ASCII characters as \u{HEX} (bytes that are not UTF-8 as
# \xNN).
def escaped(text)
  chars = text.dup.force_encoding('UTF-8')
  units = chars.valid_encoding? ? chars.each_char : text.b.each_char
  units.map do |ch|
    c = ch.ord
    if ch == '\\' then '\\\\'
    elsif c < 0x20 || c == 0x7f then format('\\x%02x', c)
    elsif c > 0x7f then chars.valid_encoding? ? format('\\u{%x}', c) : format('\\x%02x', c)
    else ch
    end
  end.join
end

def event(*words)
  puts words.join(' ')
end

def finish(*words)
  event(*words) unless words.empty?
  exit 0
end

def now
  Process.clock_gettime(Process::CLOCK_MONOTONIC)
end

begin
  sock = Socket.tcp(HOST, PORT, connect_timeout: 5)
rescue StandardError => e
  finish('error', "connect: #{e.message}")
end
sock.binmode

# Reads what has arrived, waiting until `deadline` at most: nil on timeout;
# the end of the stream ends the run.
def read_some(sock, deadline)
  left = deadline - now
  return nil unless left.positive? && IO.select([sock], nil, nil, left)

  sock.readpartial(65_536)
rescue EOFError
  finish('close', 'tcp')
rescue SystemCallError => e
  finish('error', "read: #{e.message}")
end

handshake = WebSocket::Handshake::Client.new(url: URL, origin: ORIGIN, version: 76)
sock.write(handshake.to_s)
deadline = now + 5
until handshake.finished?
  data = read_some(sock, deadline) or finish('error', 'no handshake response within 5s')
  handshake << data
end
finish('error', "handshake: #{handshake.error || 'invalid'}") unless handshake.valid?
event('open')

# The gem takes everything after the head for the 16-byte answer (valid? fails
# when frames come in the same read), so a valid handshake leaves no frame
# bytes over.
frame = WebSocket::Frame::Incoming::Client.new(version: handshake.version)

drain = lambda do |data|
  frame << data
  while (f = frame.next)
    case f.type
    when :text then event('message', escaped(f.data))
    when :binary then event('binary', f.data.unpack1('H*'))
    when :close then finish('close')
    else event('error', "unexpected frame type #{f.type}")
    end
  end
  finish('error', frame.error.to_s) if frame.error?
end

phase_end = now + WAIT
while (data = read_some(sock, phase_end))
  drain.call(data)
end
sock.write(WebSocket::Frame::Outgoing::Client.new(version: handshake.version, data: 'hello',
                                                  type: :text).to_s)
phase_end = now + LISTEN
while (data = read_some(sock, phase_end))
  drain.call(data)
end
sock.close
exit 0
