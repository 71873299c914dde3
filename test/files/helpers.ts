/** Helpers for file tests: upload over the real protocol (WS `upload` + HTTP PUT), fetch links, make images. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import type { App } from '../../src/server/app.ts';
import type { FileRef } from '../../src/protocol/index.ts';
import type { TestClient } from '../helpers/server.ts';

/** The blob files (staged or committed) under a local file store's `<dataDir>/files`, without its link key. */
export function storedBlobs(dataDir: string): string[] {
  const root = join(dataDir, 'files');
  return readdirSync(root, { recursive: true }).map(String).filter((f) => statSync(join(root, f)).isFile() && !f.endsWith('link.key'));
}

export function base(app: App): string {
  return `http://127.0.0.1:${app.port}`;
}

/** PUTs `body` to an upload URL; the raw HTTP answer. */
export async function put(app: App, url: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; json: { file?: FileRef; code?: string; error?: string } }> {
  const res = await fetch(base(app) + url, { method: 'PUT', body: new Uint8Array(body), headers });
  return { status: res.status, json: await res.json() as { file?: FileRef; code?: string } };
}

/** Uploads `bytes` as `name` for the client; resolves with the FileRef, or throws with the HTTP code. */
export async function upload(app: App, c: TestClient, name: string, bytes: Uint8Array): Promise<FileRef> {
  const t = await c.request('upload', { name, size: bytes.length });
  const r = await put(app, t.url, bytes);
  if (r.status !== 201) throw Object.assign(new Error(`${r.status} ${r.json.code}: ${r.json.error}`), { status: r.status, code: r.json.code });
  return r.json.file!;
}

export async function links(c: TestClient, ids: string[]): Promise<Record<string, { url: string; thumb?: string; expires: number }>> {
  return (await c.request('file_links', { files: ids })).links;
}

export async function get(app: App, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(base(app) + path, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** A small PNG with EXIF metadata including a GPS position (sharp writes it). */
export async function pngWithGps(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .withExif({ IFD0: { Copyright: 'SECRET-EXIF-MARKER' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' } })
    .png().toBuffer();
}

export async function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 80, height: 60, channels: 3, background: { r: 10, g: 100, b: 200 } } })
    .withExif({ IFD0: { Copyright: 'SECRET-EXIF-MARKER' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } })
    .jpeg().toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A tiny PNG that claims width x height pixels (a decompression bomb's header). */
export function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 0; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  // One row of zeros compressed; the rest is missing (the decoder would inflate gigabytes).
  const idat = deflateSync(Buffer.alloc(Math.min(width + 1, 1 << 20)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}
