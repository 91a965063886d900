// Installs Azurite (npm) for the module's tests into a git-ignored folder, unless that version is already there.
// Run by the build (exec-maven-plugin): node install-azurite.js <install dir> <version>
// Using node to decide keeps the build offline-capable once installed, and portable (npm is npm.cmd on Windows).
'use strict';
const fs = require('fs');
const path = require('path');
const { execSync } = require('child_process');

const [home, version] = process.argv.slice(2);
if (!home || !version) {
  console.error('usage: node install-azurite.js <install dir> <version>');
  process.exit(2);
}
const manifest = path.join(home, 'node_modules', 'azurite', 'package.json');
let installed = null;
try {
  installed = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
} catch (e) {
  // not installed yet
}
if (installed === version) {
  console.log(`azurite ${version} already installed in ${home}`);
  process.exit(0);
}
fs.mkdirSync(home, { recursive: true });
console.log(`installing azurite ${version} into ${home} (found: ${installed || 'none'})`);
execSync(`npm install --prefix "${home}" --no-save --no-audit --no-fund --loglevel=error azurite@${version}`, { stdio: 'inherit' });
