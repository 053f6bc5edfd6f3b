#!/usr/bin/env node
// Lists every schema in the given OpenAPI files that Prism cannot compile.
//
// Prism validates with ajv, and when ajv refuses to compile a schema Prism
// skips that validation without a word (prism-http's validateAgainstSchema
// wraps the compile in O.tryCatch): a response whose schema does not compile
// passes whatever its body. conformance/prism_test.go runs this script first,
// so such a schema fails the test instead of silently turning Prism off.
//
// It loads each spec with Prism's own loader and compiles each request body,
// parameter, response body and response header schema through Prism's own
// validators, so it sees exactly what `prism proxy` would.
//
//   node conformance/prism-schemas.js spec/deepseek.yaml spec/ark.yaml …
//
// Prints one line per schema that does not compile and exits 1, or prints
// nothing and exits 0. Exit 2 means it could not run at all.
'use strict';

const path = require('path');

const prismHttp = path.dirname(require.resolve('@stoplight/prism-http/package.json'));
const fromPrism = (m) => require(require.resolve(m, { paths: [prismHttp] }));

// Every Ajv class Prism uses (draft-07, 2019-09, 2020-12) extends ajv's core
// class, so wrapping its compile records every failure Prism would swallow.
const AjvCore = fromPrism('ajv/dist/core').default;
const compile = AjvCore.prototype.compile;
let failures = [];
AjvCore.prototype.compile = function (schema, meta) {
  try {
    return compile.call(this, schema, meta);
  } catch (err) {
    failures.push(err && err.message ? err.message : String(err));
    throw err;
  }
};

const { getHttpOperationsFromSpec } = require('@stoplight/prism-cli/dist/operations');
const validators = require('@stoplight/prism-http/dist/validator/validators');
const { validateAgainstSchema } = require('@stoplight/prism-http/dist/validator/validators/utils');
const { ValidationContext } = require('@stoplight/prism-http/dist/validator/validators/types');

// check runs fn (one of Prism's validations) and reports what failed to
// compile during it.
function check(out, where, fn) {
  failures = [];
  try {
    fn();
  } catch (err) {
    failures.push('validator threw: ' + (err && err.message ? err.message : String(err)));
  }
  for (const f of failures) out.push(`${where}: ${f}`);
}

function checkContents(out, where, contents, context, bundle) {
  for (const c of contents || []) {
    if (!c.schema) continue;
    check(out, `${where} ${c.mediaType}`, () =>
      validators.validateBody({}, [c], context, c.mediaType, undefined, bundle));
  }
}

function checkParams(out, where, params, context, bundle) {
  for (const p of params || []) {
    if (!p.schema) continue;
    check(out, `${where} ${p.name}`, () =>
      validateAgainstSchema('', p.schema, true, context, p.name, bundle));
  }
}

async function main(files) {
  const out = [];
  for (const file of files) {
    const ops = await getHttpOperationsFromSpec(path.resolve(file));
    for (const op of ops) {
      const at = `${path.basename(file)}: ${op.method.toUpperCase()} ${op.path}`;
      const bundle = op.__bundled__;
      const req = op.request || {};
      checkContents(out, `${at}: request body`, req.body && req.body.contents, ValidationContext.Input, bundle);
      for (const kind of ['query', 'headers', 'path']) {
        checkParams(out, `${at}: request ${kind}`, req[kind], ValidationContext.Input, bundle);
      }
      for (const r of op.responses || []) {
        checkContents(out, `${at}: response ${r.code}`, r.contents, ValidationContext.Output, bundle);
        checkParams(out, `${at}: response ${r.code} header`, r.headers, ValidationContext.Output, bundle);
      }
    }
  }
  return out;
}

main(process.argv.slice(2)).then(
  (out) => {
    for (const line of out) console.log(line);
    process.exit(out.length ? 1 : 0);
  },
  (err) => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exit(2);
  },
);
