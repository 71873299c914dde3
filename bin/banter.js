#!/usr/bin/env node
// The package's bin: runs the TypeScript sources directly (Node 24 strips types natively).
import '../src/cli.ts';
