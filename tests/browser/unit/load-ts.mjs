// Imports a module of web/src written in TypeScript: TypeScript's own
// transpileModule (web/node_modules/typescript, the compiler the web build
// pins) turns it into JavaScript in a temp folder, which is then imported.
// The modules it imports at run time by a relative path ('./spanLinks') are
// transpiled the same way next to it (type imports are erased); any other
// runtime import (a package) is refused.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const webDir = path.resolve(here, '..', '..', '..', 'web');

export async function importTs(relative) {
  const require = createRequire(path.join(webDir, 'package.json'));
  let ts;
  try {
    ts = require('typescript');
  } catch (e) {
    throw new Error(`typescript is missing from web/node_modules: run npm ci in web/ (${e.message})`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flock-web-unit-'));
  const written = new Set();
  // Writes web/<rel> (a .ts file) as <dir>/<rel>.mjs, and what it imports.
  const emit = (rel) => {
    if (written.has(rel)) return;
    written.add(rel);
    const file = path.join(webDir, rel);
    const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      fileName: file,
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    });
    if (out.diagnostics?.length) throw new Error(`${rel}: ${out.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
    // import ... from '...', export ... from '...', import '...'
    const js = out.outputText.replace(/^(\s*(?:import|export)\b[^;'"()=]*?\bfrom\s*['"]|\s*import\s*['"])([^'"]+)(['"])/gm, (_, before, spec, quote) => {
      if (!spec.startsWith('.')) throw new Error(`${rel} imports ${spec} at run time: load-ts.mjs loads web/src modules only`);
      emit(path.join(path.dirname(rel), `${spec}.ts`));
      return `${before}${spec}.mjs${quote}`;
    });
    const target = path.join(dir, rel.replace(/\.ts$/, '.mjs'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, js);
  };
  try {
    emit(relative);
    return await import(pathToFileURL(path.join(dir, relative.replace(/\.ts$/, '.mjs'))).href);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
