// The CMS (issue 6):
//
//   node bench/cms.mjs --only=hooks   a save with three enabled plugins' hooks against a plain save, same
//                                     run, alternating blocks; target ≤ 2× the plain save's p50, p99 printed
//   node bench/cms.mjs --only=build   build 10,000 posts from scratch, then rebuild after editing one;
//                                     targets ≤ 20 s and ≤ 300 ms. Baseline: writing the same files with
//                                     plain fs.writeFile. Hugo's time for the same posts when it is installed.
//
// Both run in process on the built package (dist/), as the daemon runs them: a CLI command adds its
// own start-up (see cold-start.mjs), which is printed beside the build figures for the rebuild.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import yazl from 'yazl';
import { fmt, heading, machine, main, median, now, report, ROOT, tempDir, verdict } from './lib.mjs';
import { cli } from './procs.mjs';

const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const POSTS = Number(process.env.RAOS_BENCH_POSTS ?? 10_000);

const { Kernel, builtinModules, createCaller, loadConfig } = await import(join(ROOT, 'dist', 'index.js'));
const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } };
const owner = { kind: 'owner', id: 'owner', name: 'bench', role: 'SuperAdmin', grants: { all: true, permissions: new Set() }, origin: 'internal' };

async function open(ws, background = true) {
  const { config } = loadConfig({ root: ws, env: {} });
  const kernel = await Kernel.create({ root: ws, config, log: silent, builtins: builtinModules, access: 'write', purpose: 'bench', background });
  return { kernel, caller: createCaller({ kernel, actor: owner }) };
}

function zipOf(files) {
  const zip = new yazl.ZipFile();
  for (const [name, text] of Object.entries(files)) zip.addBuffer(Buffer.from(text), name);
  zip.end();
  return new Promise((resolve) => {
    const chunks = [];
    zip.outputStream.on('data', (c) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

/** Three plugins a site might run: one tags, one refuses banned words, one counts words after the save. */
const PLUGINS = {
  tagger: [['beforeContentSave'], ['content:read', 'content:write'], "exports.beforeContentSave = (e) => (e.content.tags.includes('auto') ? undefined : { content: { tags: [...e.content.tags, 'auto'] } });"],
  banned: [['beforeContentSave'], ['content:read'], "const words = ['casino', 'viagra']; exports.beforeContentSave = (e) => { const t = e.content.body.toLowerCase(); for (const w of words) if (t.includes(w)) return { veto: 'banned word: ' + w }; };"],
  counter: [['afterContentSave'], ['content:read'], "exports.afterContentSave = (e, raos) => { const n = e.content.body.split(/\\s+/).length; if (n > 1e6) raos.log('long post', n); };"],
};

const BODY = `## A heading\n\nSome **Markdown** with a [link](https://example.com) and a list:\n\n- one\n- two\n- three\n\n${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(20)}\n`;

function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function benchHooks(tmp) {
  heading('cms: save with three plugins’ hooks vs a plain save');
  const plainWs = join(tmp, 'plain');
  const hookedWs = join(tmp, 'hooked');
  cli(['init', plainWs], tmp);
  cli(['init', hookedWs], tmp);
  const plain = await open(plainWs);
  const hooked = await open(hookedWs);
  try {
    for (const [name, [hooks, permissions, source]] of Object.entries(PLUGINS)) {
      const zip = await zipOf({ 'plugin.json': JSON.stringify({ name, version: '1.0.0', description: name, entry: 'index.js', hooks, permissions }), 'index.js': source });
      await hooked.caller.cms.plugin.install({ pluginPackage: zip.toString('base64'), autoEnable: true });
    }
    const times = { plain: [], hooked: [] };
    let n = 0;
    const save = async (side) => {
      const t0 = now();
      const r = await side.caller.cms.content.create({ title: `Post ${n++}`, body: BODY, tags: ['bench'] });
      const ms = now() - t0;
      if (side === hooked && (!r.tags.includes('auto') || r.warnings.length)) throw new Error(`the plugins did not run as expected: ${JSON.stringify(r)}`);
      return ms;
    };
    // Warm-up: JIT, and the plugin hosts start on their first call.
    for (let i = 0; i < 30; i++) {
      await save(plain);
      await save(hooked);
    }
    const BLOCK = 50;
    const ROUNDS = Number(process.env.RAOS_BENCH_SAVE_ROUNDS ?? 8);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, side] of round % 2 ? [['hooked', hooked], ['plain', plain]] : [['plain', plain], ['hooked', hooked]]) {
        for (let i = 0; i < BLOCK; i++) times[key].push(await save(side));
      }
    }
    const p50 = { plain: median(times.plain), hooked: median(times.hooked) };
    const p99 = { plain: percentile(times.plain, 99), hooked: percentile(times.hooked, 99) };
    const ratio = p50.hooked / p50.plain;
    const pass = verdict(ratio, 2, 'atMost');
    console.log(`plain save: p50 ${fmt(p50.plain, 3)} ms, p99 ${fmt(p99.plain, 3)} ms (${times.plain.length} saves)`);
    console.log(`with 3 plugins (2 beforeContentSave, 1 afterContentSave, each in its own sandbox process): p50 ${fmt(p50.hooked, 3)} ms, p99 ${fmt(p99.hooked, 3)} ms`);
    console.log(`ratio p50 ${fmt(ratio, 2)}× (target ≤ 2×) → ${pass}`);
    report({ figure: 'cms save p50 with 3 plugins', value: `${fmt(p50.hooked, 3)} ms`, baseline: `${fmt(p50.plain, 3)} ms (no plugins)`, ratio, target: '≤ 2×', pass, note: `p99 ${fmt(p99.hooked, 3)} ms vs ${fmt(p99.plain, 3)} ms` });
  } finally {
    await plain.kernel.close();
    await hooked.kernel.close();
  }
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

async function benchBuild(tmp) {
  heading(`cms: build ${POSTS.toLocaleString('en-US')} posts, then rebuild after one edit`);
  const ws = join(tmp, 'site');
  cli(['init', ws], tmp);
  const { kernel, caller } = await open(ws);
  let closed = false;
  const tags = ['news', 'games', 'tech', 'art', 'music', 'travel', 'food', 'science'];
  try {
    const t0 = now();
    for (let i = 0; i < POSTS; i++) {
      await caller.cms.content.create({ title: `Post number ${i}`, body: `${BODY}\nPost ${i}.`, tags: [tags[i % tags.length], tags[(i * 7) % tags.length]], publish: true });
      if (i % 2000 === 1999) process.stderr.write(`  created ${i + 1} posts\n`);
    }
    console.log(`created ${POSTS} published posts in ${fmt((now() - t0) / 1000, 1)} s`);
    const out = join(ws, 'site');
    const s0 = now();
    const scratch = await caller.cms.site.build({});
    const scratchMs = now() - s0;
    const files = walk(out).filter((f) => !relative(out, f).startsWith('.'));
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    console.log(`from scratch: ${fmt(scratchMs / 1000, 2)} s, ${scratch.pages} pages, ${scratch.written} files written (${fmt(bytes / 2 ** 20, 1)} MiB)`);

    // Baseline: the same files written with plain fs.writeFile into a fresh folder.
    const contents = files.map((f) => [relative(out, f), readFileSync(f)]);
    const copy = join(tmp, 'copy');
    const b0 = now();
    for (const [rel, data] of contents) {
      mkdirSync(join(copy, rel, '..'), { recursive: true });
      writeFileSync(join(copy, rel), data);
    }
    const bareMs = now() - b0;
    console.log(`baseline, writing the same ${files.length} files with fs.writeFileSync: ${fmt(bareMs / 1000, 2)} s`);

    const noop0 = now();
    const noop = await caller.cms.site.build({});
    const noopMs = now() - noop0;
    await caller.cms.content.update({ slug: `post-number-${POSTS >> 1}`, body: `${BODY}\nEdited.` });
    const r0 = now();
    const rebuild = await caller.cms.site.build({});
    const rebuildMs = now() - r0;
    console.log(`rebuild with nothing changed: ${fmt(noopMs, 1)} ms (${noop.written} written)`);
    console.log(`rebuild after editing one post: ${fmt(rebuildMs, 1)} ms (${rebuild.written} files written, ${rebuild.unchanged} unchanged)`);
    const scratchPass = verdict(scratchMs, 20_000, 'atMost');
    const rebuildPass = verdict(rebuildMs, 300, 'atMost');
    report({ figure: `cms build ${POSTS} posts from scratch`, value: `${fmt(scratchMs / 1000, 2)} s`, baseline: `${fmt(bareMs / 1000, 2)} s (fs.writeFileSync of the same files)`, ratio: scratchMs / bareMs, target: '≤ 20 s', pass: scratchPass, note: `${scratch.written} files, ${fmt(bytes / 2 ** 20, 1)} MiB` });
    report({ figure: 'cms rebuild after editing one post', value: `${fmt(rebuildMs, 1)} ms`, baseline: `${fmt(noopMs, 1)} ms (nothing changed)`, ratio: rebuildMs / noopMs, target: '≤ 300 ms', pass: rebuildPass, note: `${rebuild.written} files written` });

    // The same rebuild as a one-shot CLI command without a daemon: a fresh process reads cms.db and the
    // manifest from disk (printed only; the target is for the daemon, which keeps both in memory).
    await kernel.close();
    closed = true;
    cli(['cms', 'content', 'update', `post-number-${POSTS >> 2}`, '--body', `${BODY}\nEdited again.`, '--workspace', ws], tmp);
    const c0 = now();
    cli(['cms', 'build', '--workspace', ws], tmp);
    const cliMs = now() - c0;
    console.log(`the same rebuild as one CLI command without a daemon (process start, cms.db and manifest read from disk): ${fmt(cliMs, 0)} ms`);
    report({ figure: 'cms rebuild after one edit, one-shot CLI (informational)', value: `${fmt(cliMs, 0)} ms`, note: 'includes process start and reading cms.db' });

    const hugo = spawnSync('hugo', ['version'], { encoding: 'utf8' });
    if (hugo.error) console.log('hugo: not installed (Debian: apt install hugo); no comparison this run');
    else {
      const site = join(tmp, 'hugo');
      mkdirSync(join(site, 'content', 'posts'), { recursive: true });
      mkdirSync(join(site, 'layouts', '_default'), { recursive: true });
      writeFileSync(join(site, 'hugo.toml'), 'baseURL = "http://localhost/"\ntitle = "bench"\n[taxonomies]\ntag = "tags"\n');
      writeFileSync(join(site, 'layouts', '_default', 'single.html'), '<html><body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>');
      writeFileSync(join(site, 'layouts', '_default', 'list.html'), '<html><body>{{ range .Paginator.Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</body></html>');
      for (let i = 0; i < POSTS; i++) {
        writeFileSync(join(site, 'content', 'posts', `post-${i}.md`), `---\ntitle: "Post number ${i}"\ndate: 2026-01-01\ntags: ["${tags[i % tags.length]}"]\n---\n${BODY}\nPost ${i}.\n`);
      }
      const h0 = now();
      const run = spawnSync('hugo', ['--quiet', '--source', site], { encoding: 'utf8' });
      const hugoMs = now() - h0;
      console.log(`hugo ${hugo.stdout.trim().split(' ')[1] ?? ''}: ${fmt(hugoMs / 1000, 2)} s for the same posts${run.status ? ` (exit ${run.status}: ${run.stderr.slice(0, 200)})` : ''}`);
      report({ figure: `hugo build ${POSTS} posts (for comparison)`, value: `${fmt(hugoMs / 1000, 2)} s`, baseline: `${fmt(scratchMs / 1000, 2)} s (raos)` });
    }
  } finally {
    if (!closed) await kernel.close();
  }
}

await main(async () => {
  console.log(machine());
  const tmp = tempDir('raos-bench-cms-');
  if (!only || only === 'hooks') await benchHooks(tmp);
  if (!only || only === 'build') await benchBuild(tmp);
});
