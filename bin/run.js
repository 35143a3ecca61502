#!/usr/bin/env node
import { flush, run } from '@oclif/core';

try {
  await run(process.argv.slice(2), import.meta.url);
  await flush();
} catch (err) {
  const { handleFatal } = await import('../dist/cli/fatal.js');
  handleFatal(err, process.argv.slice(2));
}
