import { createServer } from 'node:http';
import Fastify from 'fastify';

/**
 * The ceilings `npm run bench -- serve` measures bookml against: a server that does no work but
 * answer every request with one fixed JSON body of the given size (the mean size of bookml's
 * answers in the same run), with the same content type.
 *
 * node dist-bench/bench/bare-server.js node|node-headers|fastify PORT BYTES
 */
const [kind, portText, bytesText] = process.argv.slice(2);
const port = Number(portText);
const size = Number(bytesText);
const body = Buffer.alloc(size, 0x20);
body.write('{"recommendations":[');
body.write('"x"}', size - 4);
const TYPE = 'application/json; charset=utf-8';

if (kind === 'node' || kind === 'node-headers') {
  // node-headers (a diagnostic, `--header-variant`): plus bookml's two answer headers, with values
  // of the same length, to measure what they cost on their own.
  const headers = {
    'content-type': TYPE,
    'content-length': String(size),
    ...(kind === 'node-headers'
      ? { 'x-bookml-model-version': '0123456789abcdef', 'x-bookml-model-role': 'primary' }
      : {}),
  };
  createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  }).listen(port, '127.0.0.1');
} else if (kind === 'fastify') {
  const app = Fastify({ logger: false });
  app.get('/*', (_req, reply) => {
    reply.header('content-type', TYPE).send(body);
  });
  await app.listen({ port, host: '127.0.0.1' });
} else {
  console.error('usage: bare-server.js node|node-headers|fastify PORT BYTES');
  process.exit(2);
}
