// Finds every winston logger call in the services' and platform's sources with the TypeScript checker
// and lists the fields each call puts on its log line, as the platform logger serialises them.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import type { EmittedField, FieldKind } from './es-mapping.js';

export interface LogCallSite {
  /** `path/to/file.ts:line`, relative to the repository. */
  site: string;
  fields: EmittedField[];
  /** Shapes the checker cannot vouch for (an `unknown` field, a union of kinds, ...). */
  problems: string[];
}

const LOG_METHODS = new Set(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly', 'log']);
/** What the platform logger makes of `err` (and of an `error` that is not already this shape). */
const ECS_ERROR_FIELDS = ['type', 'message', 'stack_trace', 'code'];
const MAX_DEPTH = 6;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function compilerOptions(root: string): ts.CompilerOptions {
  const file = join(root, 'tsconfig.base.json');
  const read = ts.readConfigFile(file, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const config = read.config as { compilerOptions?: Record<string, unknown> };
  const { options, errors } = ts.convertCompilerOptionsFromJson(config.compilerOptions ?? {}, root);
  if (errors.length > 0)
    throw new Error(errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n')).join('; '));
  return {
    ...options,
    noEmit: true,
    composite: false,
    incremental: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
  };
}

class FieldCollector {
  readonly fields: EmittedField[] = [];
  readonly problems: string[] = [];

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly at: ts.Node,
    private readonly site: string,
  ) {}

  add(path: string, kind: FieldKind): void {
    this.fields.push({ path, kind, site: this.site });
  }

  addEcsError(path: string): void {
    this.add(path, 'object');
    for (const key of ECS_ERROR_FIELDS) this.add(`${path}.${key}`, 'string');
  }

  private present(type: ts.Type): ts.Type[] {
    const parts = type.isUnion() ? type.types : [type];
    return parts.filter(
      (part) => (part.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null | ts.TypeFlags.Void)) === 0,
    );
  }

  private isNamed(type: ts.Type, name: string): boolean {
    const symbol = type.getSymbol() ?? type.aliasSymbol;
    if (symbol?.getName() === name) return true;
    const bases = type.isClassOrInterface() ? this.checker.getBaseTypes(type) : [];
    return bases.some((base) => this.isNamed(base, name));
  }

  isStringLike(type: ts.Type): boolean {
    const parts = this.present(type);
    return parts.length > 0 && parts.every((part) => (part.flags & ts.TypeFlags.StringLike) !== 0);
  }

  isErrorLike(type: ts.Type): boolean {
    return this.present(type).every(
      (part) => (part.flags & (ts.TypeFlags.Unknown | ts.TypeFlags.Any)) !== 0 || this.isNamed(part, 'Error'),
    );
  }

  private scalarKind(type: ts.Type): FieldKind | undefined {
    if (type.flags & ts.TypeFlags.StringLike) return 'string';
    if (type.flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.BigIntLike)) return 'number';
    if (type.flags & ts.TypeFlags.BooleanLike) return 'boolean';
    if (this.isNamed(type, 'Date')) return 'string';
    return undefined;
  }

  /** Records the field(s) a value of `type` becomes at `path`. */
  walk(type: ts.Type, path: string, depth: number): void {
    const parts = this.present(type);
    if (parts.length === 0) return;
    if (depth > MAX_DEPTH) {
      this.problems.push(`${this.site}: ${path} nests deeper than ${MAX_DEPTH} levels`);
      return;
    }
    const scalars = new Set(parts.map((part) => this.scalarKind(part)));
    if (scalars.size === 1 && !scalars.has(undefined)) {
      this.add(path, [...scalars][0] as FieldKind);
      return;
    }
    if (scalars.size > 1) {
      this.problems.push(
        `${this.site}: ${path} is sometimes a ${this.checker.typeToString(type)}: one field, one type`,
      );
      return;
    }
    for (const part of parts) this.walkNonScalar(part, path, depth);
  }

  private walkNonScalar(type: ts.Type, path: string, depth: number): void {
    if (type.flags & (ts.TypeFlags.Unknown | ts.TypeFlags.Any)) {
      this.problems.push(
        `${this.site}: ${path} is ${this.checker.typeToString(type)}: give it a type the mapping can be checked against`,
      );
      return;
    }
    if (this.checker.isArrayType(type) || this.checker.isTupleType(type)) {
      for (const element of this.checker.getTypeArguments(type as ts.TypeReference))
        this.walk(element, path, depth + 1);
      return;
    }
    if (this.isNamed(type, 'Error')) {
      this.problems.push(`${this.site}: ${path} is an Error: log it as { err } so it becomes error.*`);
      return;
    }
    if (type.getCallSignatures().length > 0) {
      this.problems.push(`${this.site}: ${path} is a function`);
      return;
    }
    const properties = this.checker
      .getPropertiesOfType(type)
      .filter((symbol) => !symbol.getName().startsWith('__@'));
    if (properties.length === 0 && this.checker.getIndexInfosOfType(type).length > 0) {
      this.problems.push(
        `${this.site}: ${path} is an open record (${this.checker.typeToString(type)}): its fields cannot be checked`,
      );
      return;
    }
    if (path !== '') this.add(path, 'object');
    for (const property of properties) {
      const name = property.getName();
      const child = path === '' ? name : `${path}.${name}`;
      const propertyType = this.checker.getTypeOfSymbolAtLocation(property, this.at);
      if (path === '' && name === 'err') this.addEcsError('error');
      else if (path === '' && name === 'error' && !this.isEcsErrorObject(propertyType))
        this.addEcsError('error');
      else this.walk(propertyType, child, depth + 1);
    }
  }

  /** `{ type?, message, stack_trace?, code? }` with string values: passed through as it is. */
  private isEcsErrorObject(type: ts.Type): boolean {
    return this.present(type).every((part) => {
      if (this.scalarKind(part) !== undefined || this.isErrorLike(part)) return false;
      const properties = this.checker.getPropertiesOfType(part);
      return (
        properties.length > 0 && properties.every((symbol) => ECS_ERROR_FIELDS.includes(symbol.getName()))
      );
    });
  }
}

function isWinstonLogCall(checker: ts.TypeChecker, call: ts.CallExpression): boolean {
  if (!ts.isPropertyAccessExpression(call.expression)) return false;
  if (!LOG_METHODS.has(call.expression.name.text)) return false;
  const declaration = checker.getResolvedSignature(call)?.getDeclaration();
  const file = declaration?.getSourceFile().fileName ?? '';
  return /[\\/]node_modules[\\/](winston|logform)[\\/]/.test(file);
}

/**
 * Every logger call in `<root>/<workspace>/src` (plus `extraFiles`, virtual sources used by the tests to
 * prove the check can fail), with the fields its line carries besides the ones every line has.
 */
export function logCallSites(options: {
  root: string;
  workspaces: readonly string[];
  extraFiles?: Readonly<Record<string, string>>;
}): LogCallSite[] {
  const { root } = options;
  const compiler = compilerOptions(root);
  const extra = new Map(
    Object.entries(options.extraFiles ?? {}).map(([name, text]) => [join(root, name), text]),
  );
  const host = ts.createCompilerHost(compiler, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (fileName, language, onError, shouldCreate) => {
    const text = extra.get(fileName);
    return text !== undefined
      ? ts.createSourceFile(fileName, text, language, true)
      : getSourceFile(fileName, language, onError, shouldCreate);
  };
  host.fileExists = (fileName) => extra.has(fileName) || fileExists(fileName);
  host.readFile = (fileName) => extra.get(fileName) ?? readFile(fileName);

  const roots = [
    ...options.workspaces.flatMap((workspace) => sourceFiles(join(root, workspace, 'src'))),
    ...extra.keys(),
  ];
  const program = ts.createProgram(roots, compiler, host);
  const checker = program.getTypeChecker();
  const sites: LogCallSite[] = [];

  for (const fileName of roots) {
    const source = program.getSourceFile(fileName);
    if (!source) throw new Error(`TypeScript could not load ${fileName}`);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && isWinstonLogCall(checker, node)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart());
        const site = `${relative(root, fileName)}:${line + 1}`;
        const collector = new FieldCollector(checker, node, site);
        const method = (node.expression as ts.PropertyAccessExpression).name.text;
        const args = node.arguments;
        const first = method === 'log' ? 1 : 0;
        if (method === 'log' && args.length === 1) {
          collector.problems.push(`${site}: log(entry) form: pass level, message and fields separately`);
        }
        const message = args[first];
        if (message) {
          const messageType = checker.getTypeAtLocation(message);
          if (collector.isStringLike(messageType)) {
            // the usual case: a text message
          } else if (collector.isErrorLike(messageType)) {
            collector.addEcsError('error');
          } else {
            collector.problems.push(
              `${site}: the message is a ${checker.typeToString(messageType)}, not a string`,
            );
          }
        }
        const metas = args.slice(first + 1);
        if (metas.length > 1) collector.problems.push(`${site}: more than one fields argument`);
        const meta = metas[0];
        if (meta) {
          const metaType = checker.getTypeAtLocation(meta);
          if (
            collector.isErrorLike(metaType) &&
            !(metaType.flags & (ts.TypeFlags.Unknown | ts.TypeFlags.Any))
          ) {
            collector.addEcsError('error');
          } else {
            collector.walk(metaType, '', 0);
          }
        }
        sites.push({ site, fields: collector.fields, problems: collector.problems });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return sites;
}
