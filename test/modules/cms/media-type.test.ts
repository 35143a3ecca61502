/**
 * Media type by content: tiny real headers of each accepted format, the content winning over the
 * name, SVG/HTML/XML refused with a hint, text accepted only as UTF-8 without NUL, and arbitrary
 * bytes never failing with anything but INVALID_INPUT.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaosError } from '../../../src/kernel/errors.js';
import { MEDIA_TYPES, detectMediaType } from '../../../src/modules/cms/media-type.js';

/** Bytes from latin1 strings and byte arrays. */
const bytes = (...parts: Array<string | number[]>) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

/** A complete 1x1 PNG. */
const PNG = new Uint8Array(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'),
);
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF', [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]); // SOI + APP0
const GIF = bytes('GIF89a', [1, 0, 1, 0, 0, 0, 0, 0x3b]);
const PDF = bytes('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n');
const WEBP = bytes('RIFF', [0x1a, 0, 0, 0], 'WEBPVP8 ', [0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const AVIF = bytes([0, 0, 0, 0x1c], 'ftypavif', [0, 0, 0, 0], 'avifmif1miaf');
const MP3 = bytes([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0]); // an MPEG-1 layer III frame header
/** An Ogg page header (27 bytes + a one-entry segment table) followed by the first packet. */
const oggPage = (...packet: Array<string | number[]>) =>
  bytes('OggS', [0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x1e], ...packet, [0, 0, 0, 0]);
const OGG_VORBIS = oggPage([1], 'vorbis');
const OGG_OPUS = oggPage('OpusHead');
const WAV = bytes('RIFF', [0x24, 0, 0, 0], 'WAVEfmt ', [16, 0, 0, 0, 1, 0, 1, 0, 0x44, 0xac, 0, 0, 0x88, 0x58, 1, 0, 2, 0, 16, 0]);
const M4A = bytes([0, 0, 0, 0x18], 'ftypM4A ', [0, 0, 2, 0], 'M4A isom');
const MP4 = bytes([0, 0, 0, 0x18], 'ftypisom', [0, 0, 2, 0], 'isomiso2');
const WEBM = bytes([0x1a, 0x45, 0xdf, 0xa3, 0x87, 0x42, 0x82, 0x84], 'webm'); // EBML header, DocType webm
const ZIP = bytes('PK', [3, 4, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], 'a');

async function refusal(content: Uint8Array, fileName: string): Promise<RaosError> {
  try {
    await detectMediaType(content, fileName);
  } catch (err) {
    expect(err).toBeInstanceOf(RaosError);
    return err as RaosError;
  }
  throw new Error(`expected ${fileName} to be refused`);
}

describe('detectMediaType: accepted formats, by content', () => {
  it.each([
    ['a.png', PNG, 'image/png', 'png'],
    ['a.jpg', JPEG, 'image/jpeg', 'jpg'],
    ['a.gif', GIF, 'image/gif', 'gif'],
    ['a.webp', WEBP, 'image/webp', 'webp'],
    ['a.avif', AVIF, 'image/avif', 'avif'],
    ['a.pdf', PDF, 'application/pdf', 'pdf'],
    ['a.mp3', MP3, 'audio/mpeg', 'mp3'],
    ['a.ogg', OGG_VORBIS, 'audio/ogg', 'ogg'],
    ['a.opus', OGG_OPUS, 'audio/ogg', 'opus'],
    ['a.wav', WAV, 'audio/wav', 'wav'],
    ['a.m4a', M4A, 'audio/mp4', 'm4a'],
    ['a.mp4', MP4, 'video/mp4', 'mp4'],
    ['a.webm', WEBM, 'video/webm', 'webm'],
  ])('%s is %s', async (name, content, mime, ext) => {
    expect(await detectMediaType(content, name)).toEqual({ mime, ext });
    expect(mime in MEDIA_TYPES).toBe(true);
  });

  it('lets the content win over the name: a PNG named .jpg is a png, a PDF named .png is a pdf', async () => {
    expect(await detectMediaType(PNG, 'photo.jpg')).toEqual({ mime: 'image/png', ext: 'png' });
    expect(await detectMediaType(PDF, 'image.png')).toEqual({ mime: 'application/pdf', ext: 'pdf' });
    expect(await detectMediaType(GIF, 'no-extension')).toEqual({ mime: 'image/gif', ext: 'gif' });
    expect(await detectMediaType(JPEG, 'evil.html')).toEqual({ mime: 'image/jpeg', ext: 'jpg' });
  });

  it('accepts a Buffer as well as a Uint8Array', async () => {
    expect(await detectMediaType(Buffer.from(PNG), 'a.png')).toEqual({ mime: 'image/png', ext: 'png' });
  });
});

describe('detectMediaType: plain text', () => {
  it('accepts UTF-8 without NUL, keeping a text extension or using txt', async () => {
    expect(await detectMediaType(utf8('hello world\n'), 'notes.txt')).toEqual({ mime: 'text/plain', ext: 'txt' });
    expect(await detectMediaType(utf8('# Title\n\nÜber café — 漢字 кириллица\n'), 'post.MD')).toEqual({ mime: 'text/plain', ext: 'md' });
    expect(await detectMediaType(utf8('a,b\n1,2\n'), 'data.csv')).toEqual({ mime: 'text/plain', ext: 'csv' });
    expect(await detectMediaType(utf8('just text'), 'run.exe')).toEqual({ mime: 'text/plain', ext: 'txt' });
    expect(await detectMediaType(utf8('1 < 2, a<b'), 'maths.txt')).toEqual({ mime: 'text/plain', ext: 'txt' });
  });

  it('refuses text with NUL bytes and invalid UTF-8', async () => {
    expect((await refusal(utf8('abc\u0000def'), 'nul.txt')).code).toBe('INVALID_INPUT');
    const bad = await refusal(bytes([0x63, 0x61, 0x66, 0xc3, 0x28]), 'latin.txt');
    expect(bad.code).toBe('INVALID_INPUT');
    expect(bad.message).toContain('"latin.txt"');
    expect(bad.hint).toContain('UTF-8');
  });

  it('refuses an empty file', async () => {
    const err = await refusal(new Uint8Array(0), 'empty.png');
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe('"empty.png" is empty');
  });
});

describe('detectMediaType: script carriers and unknown content are refused', () => {
  it('refuses SVG, naming the file, with a hint listing what is accepted', async () => {
    const svg = utf8('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const err = await refusal(svg, 'logo.png');
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe('"logo.png" is an SVG image, which is refused: it can carry script');
    expect(err.hint).toContain('PNG');
    expect(err.hint).toContain('Accepted: PNG, JPEG, GIF, WebP, AVIF, PDF');
    expect(err.details).toMatchObject({ fileName: 'logo.png' });
  });

  it('refuses SVG with an XML declaration, a BOM or leading whitespace', async () => {
    for (const text of [
      '<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
      '\uFEFF<svg onload="alert(1)"/>',
      '\n\n   <svg/onload=alert(1)>',
    ]) {
      expect((await refusal(utf8(text), 'x.svg')).message).toContain('SVG');
    }
  });

  it('refuses HTML and other leading markup', async () => {
    expect((await refusal(utf8('<!DOCTYPE html><html><body>x</body></html>'), 'page.txt')).message).toBe(
      '"page.txt" is an HTML page, which is refused: it can carry script',
    );
    expect((await refusal(utf8('  <script>alert(1)</script>'), 'a.txt')).message).toContain('an HTML page');
    expect((await refusal(utf8('<?xml version="1.0"?><note/>'), 'a.xml')).message).toContain('HTML/XML markup');
    expect((await refusal(utf8('<div onclick=x>hi</div>'), 'a.md')).message).toContain('HTML/XML markup');
  });

  it('refuses recognised but unaccepted formats, naming what was found', async () => {
    const err = await refusal(ZIP, 'archive.png');
    expect(err.message).toBe('"archive.png" is application/zip (.zip), which is not accepted');
    expect(err.details).toMatchObject({ fileName: 'archive.png', detected: 'application/zip' });
  });

  it('refuses random bytes', async () => {
    let seed = 42;
    const random = new Uint8Array(256).map(() => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed >> 23;
    });
    random[0] = 0x00; // a NUL byte, so it cannot pass as text either
    const err = await refusal(random, 'random.jpg');
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe('the content of "random.jpg" is not a recognised media type');
    expect(err.hint).toMatch(/^Accepted: /);
  });

  it('either accepts or refuses with INVALID_INPUT, for any bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 20 }), async (content, name) => {
        try {
          const result = await detectMediaType(content, name);
          expect(result.mime in MEDIA_TYPES).toBe(true);
          expect(result.ext).toMatch(/^[a-z0-9]+$/);
        } catch (err) {
          expect(err).toBeInstanceOf(RaosError);
          expect((err as RaosError).code).toBe('INVALID_INPUT');
        }
      }),
      { numRuns: 500 },
    );
  });
});
