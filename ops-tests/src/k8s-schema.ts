// Validates Kubernetes objects against the OpenAPI schemas of the `kubernetes-models` packages, and
// strictly: the schemas allow unknown fields (the API server drops them silently, with a warning at most),
// so every object is also type-checked as an object literal of the package's interface, where
// TypeScript's excess-property check rejects any field the API does not define.
import { join } from 'node:path';
import ts from 'typescript';
import type { K8sObject } from './kustomize.js';
import { repoRoot } from './repo-files.js';

interface ModelRef {
  /** Module path of the model, e.g. kubernetes-models/apps/v1/Deployment. */
  module: string;
  /** Its interface, e.g. IDeployment. */
  typeName: string;
}

function modelOf(object: K8sObject): ModelRef {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  const base =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${object.apiVersion}`
      : group === ''
        ? `kubernetes-models/${version}`
        : `kubernetes-models/${object.apiVersion}`;
  return { module: `${base}/${object.kind}`, typeName: `I${object.kind}` };
}

interface ValidatingModel {
  validate(): void;
}

/** Schema errors per object (`Kind/name: message`); an unknown apiVersion/kind is an error too. */
export async function schemaErrors(objects: readonly K8sObject[]): Promise<string[]> {
  const errors: string[] = [];
  for (const object of objects) {
    const { module } = modelOf(object);
    let Model: new (data: unknown) => ValidatingModel;
    try {
      const loaded = (await import(module)) as Record<string, new (data: unknown) => ValidatingModel>;
      const found = loaded[object.kind];
      if (!found) throw new Error(`no ${object.kind} in ${module}`);
      Model = found;
    } catch (error) {
      errors.push(
        `${object.kind}/${object.name}: unknown apiVersion/kind ${object.apiVersion} (${(error as Error).message})`,
      );
      continue;
    }
    try {
      new Model(object.doc).validate();
    } catch (error) {
      errors.push(`${object.kind}/${object.name}: ${(error as Error).message}`);
    }
  }
  return errors;
}

/** Fields the API does not define, found by TypeScript's excess-property check (`Kind/name: message`). */
export function unknownFieldErrors(objects: readonly K8sObject[]): string[] {
  const fileName = join(repoRoot, 'ops-tests', '__k8s_strict_check__.ts');
  const lines: string[] = [];
  const owners: { line: number; label: string }[] = [];
  objects.forEach((object, index) => {
    const { module, typeName } = modelOf(object);
    lines.push(`import type { ${typeName} as T${index} } from '${module}';`);
  });
  let lineCount = lines.length;
  objects.forEach((object, index) => {
    const chunk = `export const o${index}: T${index} = ${JSON.stringify(object.doc, null, 1)};`;
    owners.push({ line: lineCount, label: `${object.kind}/${object.name}` });
    lines.push(chunk);
    lineCount += chunk.split('\n').length;
  });
  const text = lines.join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, onError, shouldCreate) =>
    name === fileName
      ? ts.createSourceFile(name, text, language, true)
      : getSourceFile(name, language, onError, shouldCreate);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const source = program.getSourceFile(fileName);
  return ts.getPreEmitDiagnostics(program, source).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file?.fileName !== fileName || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const owner = [...owners].reverse().find((entry) => entry.line <= line);
    const path = text.split('\n')[line]?.trim() ?? '';
    return `${owner?.label ?? '?'}: ${message} (at ${path.slice(0, 80)})`;
  });
}
