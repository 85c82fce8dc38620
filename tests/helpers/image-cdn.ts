/**
 * A stand-in for Hugging Face's image CDNs: a local HTTP server answering `/HOST/PATH` (the fetcher's
 * IMAGES_FETCH_VIA layout) and plain paths with real pictures made with sharp: a 1200×648 PNG for paths
 * ending .png (the size of Hugging Face's social thumbnails), a 400×400 JPEG for .jpg/.jpeg (avatars).
 * `/corrupt.png` answers bytes that are not a picture, `/page.png` an HTML page, `/big.png` more than the
 * fetcher takes; anything else 404. Every answer differs by path (a colour from its hash), like real images.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export interface ImageCdn {
  base: string;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

function hue(p: string): number {
  return createHash('sha1').update(p).digest()[0]! * 360 / 256;
}

/** A picture like a paper's social thumbnail: a coloured band, a title-like block of text, shapes. */
export async function thumbnailPng(seed: string, width = 1200, height = 648): Promise<Buffer> {
  const h = hue(seed);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${h},60%,92%)"/><stop offset="1" stop-color="hsl(${(h + 60) % 360},55%,80%)"/></linearGradient></defs>
  <rect width="100%" height="100%" fill="url(#g)"/>
  <rect x="60" y="60" width="${width - 120}" height="90" rx="12" fill="hsl(${h},50%,35%)"/>
  <text x="90" y="120" font-family="sans-serif" font-size="44" fill="#fff">${seed.replace(/[^\w.-]/g, ' ').slice(-40)}</text>
  ${Array.from({ length: 24 }, (_, i) => `<circle cx="${(i * 97) % width}" cy="${200 + ((i * 53) % (height - 260))}" r="${10 + (i % 7) * 6}" fill="hsl(${(h + i * 15) % 360},60%,50%)" opacity="0.7"/>`).join('')}
  <text x="90" y="${height - 60}" font-family="serif" font-size="30" fill="#333">Figure 1: results across benchmarks, ablations and scaling curves.</text>
</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export async function avatarJpeg(seed: string, size = 400): Promise<Buffer> {
  const h = hue(seed);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="hsl(${h},55%,55%)"/><circle cx="${size / 2}" cy="${size * 0.4}" r="${size * 0.2}" fill="#fff"/><ellipse cx="${size / 2}" cy="${size}" rx="${size * 0.35}" ry="${size * 0.3}" fill="#fff"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

export async function startImageCdn(): Promise<ImageCdn> {
  const requests: string[] = [];
  const cache = new Map<string, Buffer>();
  const server: Server = createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(p);
    const send = (type: string, body: Buffer | string) => {
      res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    (async () => {
      if (p.endsWith('/corrupt.png')) return send('image/png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('this is not really a picture at all')]));
      if (p.endsWith('/page.png')) return send('text/html', '<!doctype html><p>Not here</p>');
      if (p.endsWith('/big.png')) return send('image/png', Buffer.alloc(9 * 1024 * 1024, 1));
      if (/\.png$/.test(p)) return send('image/png', cache.get(p) ?? cache.set(p, await thumbnailPng(p)).get(p)!);
      if (/\.jpe?g$/.test(p)) return send('image/jpeg', cache.get(p) ?? cache.set(p, await avatarJpeg(p)).get(p)!);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    })().catch((e) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
