/**
 * The WebSocket baseline: the broadcast server a Node developer would write with Socket.IO
 * instead of Banter. `join` puts the socket in a room (acknowledged); `send` relays the text
 * to everyone else in the room. No storage, no validation beyond types, no auth.
 *
 *   node bench/peers/socketio.ts --port 0     prints "listening on <port>"
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } });
const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false, maxHttpBufferSize: 64 * 1024 });

io.on('connection', (socket) => {
  socket.on('join', (room: unknown, ack: unknown) => {
    if (typeof room !== 'string' || room.length > 64) return;
    void socket.join(room);
    if (typeof ack === 'function') ack(true);
  });
  socket.on('send', (room: unknown, text: unknown) => {
    if (typeof room !== 'string' || typeof text !== 'string' || !socket.rooms.has(room)) return;
    socket.to(room).emit('message', text);
  });
});

http.listen(Number(values.port), values.host, () => {
  const addr = http.address();
  console.log(`listening on ${typeof addr === 'object' && addr ? addr.port : values.port}`);
});
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => { void io.close(); process.exit(0); });
