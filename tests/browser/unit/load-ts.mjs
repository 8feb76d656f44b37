// Imports a module of web/src written in TypeScript: TypeScript's own
// transpileModule (web/node_modules/typescript, the compiler the web build
// pins) turns it into JavaScript in a temp folder, which is then imported.
// Only for modules without runtime imports (type imports are erased).
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
  const file = path.join(webDir, relative);
  const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  });
  if (out.diagnostics?.length) throw new Error(`${relative}: ${out.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
  if (/^\s*import\s+(?!type\b)/m.test(out.outputText)) throw new Error(`${relative} imports other modules at run time: load-ts.mjs handles one module alone`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flock-web-unit-'));
  const js = path.join(dir, path.basename(relative).replace(/\.tsx?$/, '.mjs'));
  fs.writeFileSync(js, out.outputText);
  try {
    return await import(pathToFileURL(js).href);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
