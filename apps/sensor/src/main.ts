#!/usr/bin/env node
import { runCli } from '@mamori/agent';
import { SENSOR_PRODUCT } from './product.ts';

runCli(process.argv, SENSOR_PRODUCT).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
