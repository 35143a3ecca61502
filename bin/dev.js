#!/usr/bin/env -S node --import tsx
// Runs the commands from src/ (no build). Remove oclif.manifest.json first or it runs dist/.
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
