// Mends the class names esbuild renames in the packages' bundles (scripts/bundle-package.mjs).
import ts from "typescript"

/**
 * esbuild writes a class that refers to itself as `var X = class _X { ... new _X() ... }`, so
 * X.name, inspect() and an uncaught error's header would say "_X". A class expression's own
 * name binds inside its body exactly as `_X` does, so `class X` with X inside means the same.
 *
 * Only that binding is renamed: the `_X` identifiers inside the class that refer to it, found
 * in the syntax tree. Not a text search over the chunk: esbuild gives the same `_X` to an
 * unrelated local elsewhere in the chunk (a `const _X` in another module's function), and a
 * string or a property name may spell it. Whatever this cannot rename safely fails the build.
 */
export function classNamesKept(text, fileName = "chunk.js") {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS)
  /** [start, end, replacement], in source order. */
  const edits = []
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue
    for (const declaration of statement.declarationList.declarations) {
      const value = declaration.initializer
      if (!value || !ts.isClassExpression(value) || !value.name) continue
      if (!ts.isIdentifier(declaration.name)) continue
      const name = declaration.name.text
      const inner = value.name.text
      if (inner === name) continue
      if (inner !== `_${name}`) {
        throw new Error(`bundle-package: ${fileName}: class ${name} is named ${inner}`)
      }
      collect(value, value, name, inner, source, edits)
    }
  }
  let out = ""
  let at = 0
  for (const [start, end, replacement] of edits) {
    out += text.slice(at, start) + replacement
    at = end
  }
  out += text.slice(at)
  const left = out.match(/= class _\w+/)
  if (left) throw new Error(`bundle-package: ${fileName}: a class is still renamed: ${left[0]}`)
  return out
}

/** The `inner` identifiers in `node` (within class `own`) that refer to the class. */
function collect(node, own, name, inner, source, edits) {
  if (ts.isIdentifier(node) && (node.text === inner || node.text === name)) {
    const use = useOf(node, own)
    const where = `${source.fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`
    if (use === "binding") {
      // A nested `_X` would shadow the class's; a nested `X` would capture the renamed uses.
      throw new Error(`bundle-package: ${where}: ${node.text} is declared inside class ${name}`)
    }
    if (use === "unsure" && node.text === inner) {
      throw new Error(`bundle-package: ${where}: cannot rename ${inner} here`)
    }
    if (use === "reference" && node.text === inner) {
      edits.push([node.getStart(source), node.end, name])
    }
    return
  }
  ts.forEachChild(node, (child) => collect(child, own, name, inner, source, edits))
}

/** Nodes whose `name`, when it is the identifier, names a property. */
const NAMES_PROPERTY = [
  ts.isPropertyAccessExpression,
  ts.isPropertyAssignment,
  ts.isMethodDeclaration,
  ts.isPropertyDeclaration,
  ts.isGetAccessorDeclaration,
  ts.isSetAccessorDeclaration,
]
/** Nodes whose `name`, when it is the identifier, declares a binding. */
const NAMES_BINDING = [
  ts.isVariableDeclaration,
  ts.isParameter,
  ts.isBindingElement,
  ts.isFunctionDeclaration,
  ts.isFunctionExpression,
  ts.isClassDeclaration,
  ts.isClassExpression,
]
/** Places where an identifier is both a name and a value, or a label: not renamed. */
const UNSURE = [
  ts.isShorthandPropertyAssignment,
  ts.isLabeledStatement,
  ts.isBreakOrContinueStatement,
]

/** How an identifier is used: refers to a binding, declares one, names a property, or other. */
function useOf(node, own) {
  const parent = node.parent
  if (parent === own) return "reference" // the class's own name: `class _X` becomes `class X`
  const named = (kinds) => parent.name === node && kinds.some((is) => is(parent))
  if (named(NAMES_PROPERTY)) return "property"
  if (ts.isBindingElement(parent) && parent.propertyName === node) return "property"
  if (named(NAMES_BINDING)) return "binding"
  if (UNSURE.some((is) => is(parent))) return "unsure"
  return "reference"
}
