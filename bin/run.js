#!/usr/bin/env node
// Entry point of the `obs` binary: oclif loads the compiled commands from dist/cli/commands.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
