// Validate a Teams app manifest against the official JSON schema for its manifestVersion, offline.
// The schemas come bundled in @microsoft/app-manifest. Usage: node validate-manifest.mjs manifest.json
// Prints "valid" and exits 0, or prints each error and exits 1.
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";

const require = createRequire(import.meta.url);
const manifestPath = process.argv[2];
if (!manifestPath) {
  console.error("usage: node validate-manifest.mjs MANIFEST.json");
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(manifestPath, "utf8").replace(/^\uFEFF/, ""));
const version = manifest.manifestVersion;
const root = join(dirname(require.resolve("@microsoft/app-manifest/package.json")), "build", "json-schemas", "teams");
const schemaPath = join(root, `v${version}`, "MicrosoftTeams.schema.json");
if (!existsSync(schemaPath)) {
  console.error(`no bundled schema for manifestVersion ${JSON.stringify(version)}`);
  process.exit(1);
}
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);
if (validate(manifest)) {
  console.log(`valid (Teams manifest schema v${version})`);
  process.exit(0);
}
for (const error of validate.errors) {
  console.log(`${error.instancePath || "/"} ${error.message} ${JSON.stringify(error.params)}`);
}
process.exit(1);
