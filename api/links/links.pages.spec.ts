import { renderLinkPage } from './links.pages';

const form4 = {
  examId: 'exam-1',
  discipline: 'Anatomy <I>',
  examDate: '2027-06-15',
  students: 3,
  due: '2027-06-18T12:05:00+05:00',
};

describe('§5.14, Form 4: the upload page of the Form 4 email link', () => {
  test('§5.14: lists each problem by row and column above the form, every text escaped', () => {
    const html = renderLinkPage({
      kind: 'upload',
      language: 'en',
      token: 'T'.repeat(43),
      form4,
      problems: [
        { row: 3, column: 'акт', reason: '"drawn" for <script>alert(1)</script>: attach 2.pdf' },
        { row: 0, column: 'x".pdf', reason: 'an act is named <row No.>.pdf' },
      ],
    });
    expect(html).not.toContain('<script');
    expect(html).toContain(
      '<li>Row 3, акт: &quot;drawn&quot; for &lt;script&gt;alert(1)&lt;/script&gt;: attach 2.pdf</li>',
    );
    expect(html).toContain('<li>the file, x&quot;.pdf: an act is named &lt;row No.&gt;.pdf</li>');
    expect(html.indexOf('role="alert"')).toBeLessThan(html.indexOf('<form'));
    expect(html).toContain(
      `<form method="post" enctype="multipart/form-data" action="/links/${'T'.repeat(43)}/form4">`,
    );
    expect(html).toContain('<dd>Anatomy &lt;I&gt;</dd>');
  });

  test('§5.14: without problems the page has the form and no alert; kk and ru have their own texts', () => {
    const en = renderLinkPage({ kind: 'upload', language: 'en', token: 't', form4 });
    expect(en).not.toContain('role="alert"');
    expect(en).toContain('name="acts" multiple accept=".pdf');
    expect(renderLinkPage({ kind: 'upload', language: 'kk', token: 't', form4 })).toContain(
      '<h1>4-нысанды қайтару</h1>',
    );
    expect(renderLinkPage({ kind: 'upload', language: 'ru', token: 't', form4 })).toContain(
      '<h1>Возврат формы 4</h1>',
    );
  });

  test('§5.14: the received page shows what was saved and offers no form', () => {
    const html = renderLinkPage({
      kind: 'received',
      language: 'en',
      form4,
      received: { students: 3, drawn: 1, sha256: 'ab'.repeat(32) },
    });
    expect(html).toContain('<dt>Acts drawn up</dt><dd>1</dd>');
    expect(html).toContain(`<code>${'ab'.repeat(32)}</code>`);
    expect(html).not.toContain('<form');
  });
});
