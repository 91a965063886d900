// Installs the Firebase CLI (npm firebase-tools, whose Storage emulator serves the GCS JSON API) for the module's
// tests into a git-ignored folder, unless that version is already there.
// Run by the build (exec-maven-plugin): node install-firebase-tools.js <install dir> <version>
// Deciding in node keeps an installed emulator offline-capable and the check portable (npm is npm.cmd on Windows).
'use strict';
const fs = require('fs');
const path = require('path');
const { execSync } = require('child_process');

const [home, version] = process.argv.slice(2);
if (!home || !version) {
  console.error('usage: node install-firebase-tools.js <install dir> <version>');
  process.exit(2);
}
const manifest = path.join(home, 'node_modules', 'firebase-tools', 'package.json');
let installed = null;
try {
  installed = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
} catch (e) {
  // not installed yet
}
if (installed === version) {
  console.log(`firebase-tools ${version} already installed in ${home}`);
  process.exit(0);
}
fs.mkdirSync(home, { recursive: true });
console.log(`installing firebase-tools ${version} into ${home} (found: ${installed || 'none'}); this takes a few minutes`);
execSync(`npm install --prefix "${home}" --no-save --no-audit --no-fund --loglevel=error firebase-tools@${version}`, { stdio: 'inherit' });
