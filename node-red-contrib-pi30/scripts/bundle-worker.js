#!/usr/bin/env node
'use strict';
/**
 * npm prepack / postpack: put the pure-Python worker (the repository's pyworker/, the one
 * source) and the LICENSE into the package while it is packed, so managed mode can run the
 * worker with any Python 3.11+ that has pyserial, msgpack and pyzmq - no pip needed.
 *
 *   node scripts/bundle-worker.js           copy ../pyworker -> python/pyworker, ../LICENSE
 *   node scripts/bundle-worker.js --clean   remove them again (the copies are never committed)
 */

const fs = require('node:fs');
const path = require('node:path');

const PKG = path.resolve(__dirname, '..');
const REPO = path.resolve(PKG, '..');
const SOURCE = path.join(REPO, 'pyworker');
const BUNDLE = path.join(PKG, 'python');
const LICENSE = path.join(PKG, 'LICENSE');

function clean() {
    fs.rmSync(BUNDLE, { recursive: true, force: true });
    fs.rmSync(LICENSE, { force: true });
}

function bundle() {
    if (!fs.existsSync(path.join(SOURCE, 'cli.py'))) {
        throw new Error(`${SOURCE} not found: pack the package from a clone of the repository`);
    }
    clean();
    fs.cpSync(SOURCE, path.join(BUNDLE, 'pyworker'), {
        recursive: true,
        // sources only: no bytecode caches, no editor leftovers
        filter: (src) => !/(^|[\\/])__pycache__$|\.py[co]$|~$/.test(src),
    });
    fs.copyFileSync(path.join(REPO, 'LICENSE'), LICENSE);
}

if (require.main === module) {
    if (process.argv.includes('--clean')) clean();
    else bundle();
}

module.exports = { BUNDLE, bundle, clean };
