#!/usr/bin/env node
'use strict';
/**
 * Regenerate resources/catalogue.json from the Python catalogue (the single source of truth):
 *   pi30-worker commands --json --protocol PI30 / PI30MAX
 * The worker executable is $PI30_WORKER, else the repository's .venv/bin/pi30-worker, else
 * `pi30-worker` on the PATH.  `--check` exits 1 when the file is out of date.
 */

const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { SNAPSHOT_PATH, PROTOCOLS } = require('../lib/catalogue');

function findWorker() {
    if (process.env.PI30_WORKER) return process.env.PI30_WORKER;
    const bin =
        process.platform === 'win32' ? ['Scripts', 'pi30-worker.exe'] : ['bin', 'pi30-worker'];
    const repoVenv = path.join(__dirname, '..', '..', '.venv', ...bin);
    return fs.existsSync(repoVenv) ? repoVenv : 'pi30-worker';
}

function buildSnapshot(worker = findWorker()) {
    const protocols = {};
    for (const protocol of PROTOCOLS) {
        const out = execFileSync(worker, ['commands', '--json', '--protocol', protocol], {
            encoding: 'utf8',
            maxBuffer: 16 * 1024 * 1024,
        });
        protocols[protocol] = JSON.parse(out);
    }
    return { generated_by: 'pi30-worker commands --json --protocol <PROTOCOL>', protocols };
}

function render(snapshot) {
    return JSON.stringify(snapshot, null, 1) + '\n';
}

if (require.main === module) {
    const text = render(buildSnapshot());
    if (process.argv.includes('--check')) {
        const current = fs.existsSync(SNAPSHOT_PATH) ? fs.readFileSync(SNAPSHOT_PATH, 'utf8') : '';
        if (current !== text) {
            console.error(`${SNAPSHOT_PATH} is out of date: run npm run generate-catalogue`);
            process.exit(1);
        }
        console.log('catalogue snapshot is up to date');
    } else {
        fs.writeFileSync(SNAPSHOT_PATH, text);
        console.log(`wrote ${SNAPSHOT_PATH}`);
    }
}

module.exports = { buildSnapshot, render, findWorker };
