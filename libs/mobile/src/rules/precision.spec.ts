/**
 * Shapes of code from the labelled corpus (bench/rules/labels): each false-positive pattern found
 * on a real app, written here as a small synthetic file that must stay clean, and each true case
 * as one that must still be found. The files are written for these tests; none is copied.
 */
import { scanTree } from '../testing/change';

const strings = (entries: Record<string, string>) => Object.entries(entries).map(([k, v]) => `"${k.replace(/"/g, '\\"')}" = "${v}";`).join('\n') + '\n';
const stringsXml = (body: string) => `<?xml version="1.0" encoding="utf-8"?>\n<resources>\n${body}\n</resources>\n`;
const ruleHits = (tree: Record<string, string>, ruleId: string) => scanTree(tree).findings.filter((f) => f.ruleId === ruleId);

describe('l10n.missing-base-key on real shapes', () => {
  const languages = ['de', 'fr', 'it'];
  const translated = (entries: Record<string, string>) => Object.fromEntries(languages.map((l) => [`App/${l}.lproj/Localizable.strings`, strings(entries)]));

  it('stays quiet for English text used as the key (SwiftUI Text("Duck Address"), Button("Cancel"))', () => {
    const tree = {
      'App/en.lproj/Localizable.strings': strings({ 'settings.title': 'Settings' }),
      ...translated({ 'settings.title': 'Einstellungen', 'Duck Address': 'Duck-Adresse', Cancel: 'Abbrechen', 'Open "(preview)"': 'Öffnen' }),
      'App/Sources/AddressView.swift': 'import SwiftUI\nstruct AddressView: View {\n    var body: some View { VStack { Text("Duck Address"); Button("Cancel") {} } }\n}\n',
    };
    expect(ruleHits(tree, 'l10n.missing-base-key')).toEqual([]);
  });

  it('stays quiet for an InfoPlist.strings key whose base is the Info.plist', () => {
    const tree = {
      'App/en.lproj/InfoPlist.strings': strings({ CFBundleDisplayName: 'Shop' }),
      'App/de.lproj/InfoPlist.strings': strings({ CFBundleDisplayName: 'Laden', NSCameraUsageDescription: 'Zum Scannen' }),
      'App/Info.plist': '<plist><dict><key>NSCameraUsageDescription</key><string>To scan</string></dict></plist>\n',
    };
    expect(ruleHits(tree, 'l10n.missing-base-key')).toEqual([]);
  });

  it('stays quiet when every lookup carries its English default (value:), or nothing looks the key up', () => {
    const tree = {
      'App/en.lproj/Localizable.strings': strings({ 'settings.title': 'Settings' }),
      ...translated({ 'settings.title': 'Einstellungen', 'vpn.enable.from.app': 'VPN in der App aktivieren', 'old.removed.key': 'Alt' }),
      'App/Sources/UserText.swift': 'enum UserText {\n    static let vpn = NSLocalizedString("vpn.enable.from.app", value: "Enable the VPN from the app.", comment: "")\n}\n',
    };
    expect(ruleHits(tree, 'l10n.missing-base-key')).toEqual([]);
  });

  it('stays quiet for an Android translation of a translatable="false" base string', () => {
    const tree = {
      'app/src/main/res/values/strings.xml': stringsXml('    <string name="update_title" translatable="false">@string/check_updates</string>\n    <string name="check_updates">Check for updates</string>'),
      'app/src/main/res/values-de/strings.xml': stringsXml('    <string name="update_title">Aktualisieren</string>\n    <string name="check_updates">Nach Updates suchen</string>'),
    };
    expect(ruleHits(tree, 'l10n.missing-base-key')).toEqual([]);
  });

  it('finds an identifier key looked up with no default, once for all its languages', () => {
    const tree = {
      'App/en.lproj/Localizable.strings': strings({ 'settings.title': 'Settings' }),
      ...translated({ 'settings.title': 'Einstellungen', 'checkout.total': 'Summe' }),
      'App/Sources/Checkout.swift': 'let total = NSLocalizedString("checkout.total", comment: "")\n',
    };
    const hits = ruleHits(tree, 'l10n.missing-base-key');
    expect(hits.map((h) => [h.file, h.line])).toEqual([['App/de.lproj/Localizable.strings', 2]]);
    expect(hits[0]!.message).toContain('de, fr, it');
  });

  it('finds an Android string missing from values/strings.xml, once for all its languages', () => {
    const tree = {
      'app/src/main/res/values/strings.xml': stringsXml('    <string name="title">Shop</string>'),
      'app/src/main/res/values-de/strings.xml': stringsXml('    <string name="title">Laden</string>\n    <string name="cart_empty">Leer</string>'),
      'app/src/main/res/values-fr/strings.xml': stringsXml('    <string name="title">Boutique</string>\n    <string name="cart_empty">Vide</string>'),
    };
    const hits = ruleHits(tree, 'l10n.missing-base-key');
    expect(hits.map((h) => [h.file, h.line])).toEqual([['app/src/main/res/values-de/strings.xml', 4]]);
  });
});
