import { describeSamples, readSample } from '../testing/samples';
import { readDotStrings, readStringsXml, readXcstrings } from './catalogs';
import { placeholderMismatch, placeholdersOf } from './placeholders';

describe('placeholders', () => {
  it.each([
    ['%@ and %d', 'apple', ['1:object', '2:int']],
    ['%2$@ before %1$lld', 'apple', ['1:int', '2:object']],
    ['100%% done: %.2f', 'apple', ['1:float']],
    ['%s on Apple is a C string', 'apple', ['1:string']],
    ['%s on Android is any object', 'android', ['1:object']],
    ['%#@items@ in %@', 'apple', ['1:substitution:items', '2:object']],
  ] as const)('%s (%s)', (value, platform, expected) => {
    expect(placeholdersOf(value, platform).map((p) => `${p.position}:${p.type}`)).toEqual(expected);
  });

  it('explains a mismatch and accepts reordering', () => {
    expect(
      placeholderMismatch(placeholdersOf('Total: %@', 'apple'), placeholdersOf('Total : %1$s', 'apple')),
    ).toBe('uses %1$s where the base language uses %@');
    expect(
      placeholderMismatch(placeholdersOf('%@ has %d', 'apple'), placeholdersOf('%2$d pour %1$@', 'apple')),
    ).toBeUndefined();
  });
});

describe('localisation tables (own fixtures)', () => {
  it('reads .strings with comments, escapes and lines', () => {
    const entries = readDotStrings(
      '/* header */\n"greeting" = "Hello \\"%@\\"";\n// note\nunquoted_key = "Value";\n',
    );
    expect([...entries.values()]).toEqual([
      { key: 'greeting', value: 'Hello "%@"', line: 2 },
      { key: 'unquoted_key', value: 'Value', line: 4 },
    ]);
  });

  it('reads strings.xml, skipping untranslatable strings, using the plural "other" form', () => {
    const entries = readStringsXml(
      '<resources>\n<string name="app" translatable="false">Shop</string>\n<string name="hi">Hi &amp; welcome, %1$s</string>\n<plurals name="items">\n<item quantity="one">%d item</item>\n<item quantity="other">%d items</item>\n</plurals>\n</resources>\n',
    );
    expect([...entries.values()]).toEqual([
      { key: 'hi', value: 'Hi & welcome, %1$s', line: 3 },
      { key: 'items', value: '%d items', line: 6 },
    ]);
  });
});

describeSamples('localisation tables', () => {
  it('reads the real iosched strings.xml', () => {
    const entries = readStringsXml(readSample('strings.xml'));
    expect(entries.size).toBeGreaterThan(200);
    const withArgs = [...entries.values()].filter((e) => placeholdersOf(e.value, 'android').length > 0);
    expect(withArgs.length).toBeGreaterThan(5);
  });

  it('reads the real String Catalog with substitutions and device variations', () => {
    const catalog = readXcstrings(readSample('Localizable.xcstrings'));
    expect(catalog.sourceLanguage).toBe('en');
    const languages = catalog.tables.map((t) => t.language).sort();
    expect(languages).toEqual(['en', 'fr']);
    const fr = catalog.tables.find((t) => t.language === 'fr')!;
    expect(fr.entries.size).toBeGreaterThan(0);
    expect([...fr.entries.values()].every((e) => e.line > 0)).toBe(true);
  });
});
