// Keep-alive survey driver for Netty 4.1 (Debian package libnetty-java) as a
// hixie-76 client: WebSocketClientHandshakerFactory with WebSocketVersion.V00,
// whose handshake puts WebSocket00FrameDecoder/Encoder in the pipeline.
// Compiled by ../install.sh against Debian's jars into ../build.
//
// usage: java -cp build:NETTY_JARS NettyClient URL ORIGIN [WAIT_SECS [LISTEN_SECS]]
//
// The command line and the output are the same for every driver (see
// ../README.md): connect to URL with ORIGIN, wait WAIT_SECS (default 1.5) for
// whatever the server sends, send the text message "hello", listen LISTEN_SECS
// (default 1.0) more, then exit 0. One line per event on stdout:
//   open | message ESCAPED | binary HEX | close [DETAIL] | error REASON
// A close or an error ends the run early. Exit 2 on bad usage, 1 if the
// driver itself breaks.

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

public final class NettyClient {
    private static final String ME = "NettyClient";
    private static final String NUM = "(?:\\d+(?:\\.\\d*)?|\\.\\d+)";

    private static final CountDownLatch finished = new CountDownLatch(1);
    private static volatile boolean done;

    /** Prints one event line, unless the run has ended. */
    private static synchronized void event(String line) {
        if (!done) {
            System.out.println(line);
            System.out.flush();
        }
    }

    /** Ends the run, with a last event line when one is given. */
    private static synchronized void finish(String line) {
        if (line != null) {
            event(line);
        }
        done = true;
        finished.countDown();
    }

    private static String oneLine(Throwable t) {
        String text = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        return text.replaceAll("\\s+", " ");
    }

    /**
     * The same escaping in every driver: backslash doubled, C0 controls and DEL
     * as \xNN, other non-ASCII characters as backslash-u{HEX} (spelt out: javac
     * would take the two characters for a Unicode escape even in a comment).
     */
    static String escaped(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (c == '\\') {
                out.append("\\\\");
            } else if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
            } else if (c > 0x7f) {
                out.append(String.format("\\u{%x}", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 4 || !args[0].matches("ws://[^/:]+:\\d+(/.*)?")
                || (args.length > 2 && !args[2].matches(NUM)) || (args.length > 3 && !args[3].matches(NUM))) {
            System.err.println("usage: " + ME + " URL ORIGIN [WAIT_SECS [LISTEN_SECS]]");
            System.exit(2);
        }
        URI uri = new URI(args[0]);
        String origin = args[1];
        long waitMs = Math.round(1000 * Double.parseDouble(args.length > 2 ? args[2] : "1.5"));
        long listenMs = Math.round(1000 * Double.parseDouble(args.length > 3 ? args[3] : "1.0"));

        DefaultHttpHeaders headers = new DefaultHttpHeaders();
        headers.set("Origin", origin);
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                uri, WebSocketVersion.V00, null, false, headers);

        EventLoopGroup group = new NioEventLoopGroup(1);
        try {
            Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                                    new Handler(handshaker, waitMs, listenMs));
                        }
                    });
            bootstrap.connect(uri.getHost(), uri.getPort()).addListener(f -> {
                if (!f.isSuccess()) {
                    finish("error connect: " + oneLine(f.cause()));
                }
            });
            if (!finished.await(5000 + waitMs + listenMs, TimeUnit.MILLISECONDS)) {
                finish("error no result within " + (5000 + waitMs + listenMs) + "ms");
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        }
        System.exit(0);
    }

    private static final class Handler extends SimpleChannelInboundHandler<Object> {
        private final WebSocketClientHandshaker handshaker;
        private final long waitMs;
        private final long listenMs;

        Handler(WebSocketClientHandshaker handshaker, long waitMs, long listenMs) {
            this.handshaker = handshaker;
            this.waitMs = waitMs;
            this.listenMs = listenMs;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            handshaker.handshake(ctx.channel());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish("close tcp");
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            Channel ch = ctx.channel();
            if (!handshaker.isHandshakeComplete()) {
                try {
                    handshaker.finishHandshake(ch, (FullHttpResponse) msg);
                } catch (RuntimeException e) {
                    finish("error handshake: " + oneLine(e));
                    return;
                }
                event("open");
                ch.eventLoop().schedule(() -> {
                    ch.writeAndFlush(new TextWebSocketFrame("hello"));
                    ch.eventLoop().schedule(() -> finish(null), listenMs, TimeUnit.MILLISECONDS);
                }, waitMs, TimeUnit.MILLISECONDS);
                return;
            }
            if (msg instanceof TextWebSocketFrame) {
                event("message " + escaped(((TextWebSocketFrame) msg).text()));
            } else if (msg instanceof BinaryWebSocketFrame) {
                event("binary " + ByteBufUtil.hexDump(((BinaryWebSocketFrame) msg).content()));
            } else if (msg instanceof CloseWebSocketFrame) {
                finish("close");
            } else if (msg instanceof WebSocketFrame) {
                event("error unexpected frame " + msg.getClass().getSimpleName());
            } else {
                event("error unexpected object " + msg.getClass().getSimpleName());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish("error " + oneLine(cause));
            ctx.close();
        }
    }
}
