import { describe, expect, it } from 'vitest';
import { parseDockerfile } from '../../src/init/dockerfile.js';
import { durationSeconds, imageFacts, substitute } from '../../src/init/image-facts.js';

const facts = (text: string) => imageFacts(parseDockerfile(text));

describe('parseDockerfile', () => {
  it.each([
    ['one instruction', 'FROM debian:12\n', [{ keyword: 'FROM', args: 'debian:12', line: 1 }]],
    ['keywords in any case, CRLF', 'from a:1\r\nexpose 80\r\n', [{ keyword: 'FROM', args: 'a:1', line: 1 }, { keyword: 'EXPOSE', args: '80', line: 2 }]],
    ['comments and blank lines', '# c\n\nFROM a:1\n  # indented comment\nUSER app\n', [{ keyword: 'FROM', args: 'a:1', line: 3 }, { keyword: 'USER', args: 'app', line: 5 }]],
    [
      'continuations, with comment and blank lines inside dropped',
      'FROM a:1\nEXPOSE 80 \\\n  # the admin port\n\n  9090\n',
      [{ keyword: 'FROM', args: 'a:1', line: 1 }, { keyword: 'EXPOSE', args: '80   9090', line: 2 }],
    ],
    ['the escape directive', '# escape=`\nFROM a:1\nEXPOSE 1 `\n 2\n', [{ keyword: 'FROM', args: 'a:1', line: 2 }, { keyword: 'EXPOSE', args: '1  2', line: 3 }]],
    [
      'the JSON form',
      'FROM a:1\nHEALTHCHECK CMD ["curl", "-f", "http://localhost/"]\n',
      [{ keyword: 'FROM', args: 'a:1', line: 1 }, { keyword: 'HEALTHCHECK', args: 'CMD ["curl", "-f", "http://localhost/"]', line: 2 }],
    ],
    [
      'heredoc bodies are not instructions',
      'FROM a:1\nRUN <<EOF\nEXPOSE 1\nUSER root\nEOF\nEXPOSE 2\n',
      [{ keyword: 'FROM', args: 'a:1', line: 1 }, { keyword: 'RUN', args: '<<EOF', line: 2 }, { keyword: 'EXPOSE', args: '2', line: 6 }],
    ],
  ])('%s', (_, text, expected) => {
    expect(parseDockerfile(text)).toEqual(expected);
  });

  it('keeps the exec form as an array', () => {
    expect(parseDockerfile('CMD ["nginx", "-g", "daemon off;"]\n')[0]!.json).toEqual(['nginx', '-g', 'daemon off;']);
    expect(parseDockerfile('CMD nginx -g "daemon off;"\n')[0]!.json).toBeUndefined();
  });
});

describe('imageFacts: EXPOSE, HEALTHCHECK and USER of the final stage', () => {
  it('reads ports with protocols, variables and a user', () => {
    const f = facts('FROM a:1\nARG HTTP=9200\nENV ADMIN=9300\nEXPOSE ${HTTP}/tcp $ADMIN 5353/udp\nUSER elastic:elastic\n');
    expect(f.expose.map((p) => `${p.port}/${p.protocol}`)).toEqual(['9200/tcp', '9300/tcp', '5353/udp']);
    expect(f.user).toBe('elastic:elastic');
    expect(f.notes).toEqual([]);
  });

  it('a stage FROM an earlier stage inherits; a stage from another image does not', () => {
    expect(facts('FROM a:1 AS base\nEXPOSE 8080\nUSER app\nFROM base\nEXPOSE 8081\n').expose.map((p) => p.port)).toEqual([8080, 8081]);
    const fresh = facts('FROM a:1 AS build\nEXPOSE 8080\nUSER app\nFROM b:2\nEXPOSE 9000\n');
    expect(fresh.expose.map((p) => p.port)).toEqual([9000]);
    expect(fresh.user).toBeUndefined();
  });

  it('reads HEALTHCHECK options and command in both forms, and NONE', () => {
    const shell = facts('FROM a:1\nHEALTHCHECK --interval=30s --timeout=5s --start-period=1m30s --retries=5 \\\n  CMD curl -fsS http://localhost:9200/_cluster/health || exit 1\n');
    expect(shell.healthcheck).toEqual({
      disabled: false,
      command: 'curl -fsS http://localhost:9200/_cluster/health || exit 1',
      intervalSeconds: 30,
      timeoutSeconds: 5,
      startPeriodSeconds: 90,
      retries: 5,
      line: 2,
    });
    expect(facts('FROM a:1\nHEALTHCHECK CMD ["wget", "-q", "-O-", "http://127.0.0.1:8080/ping"]\n').healthcheck?.command).toEqual(['wget', '-q', '-O-', 'http://127.0.0.1:8080/ping']);
    expect(facts('FROM a:1 AS x\nHEALTHCHECK CMD true\nFROM x\nHEALTHCHECK NONE\n').healthcheck).toEqual({ disabled: true, line: 4 });
  });

  it('notes what it cannot read, naming the line', () => {
    expect(facts('FROM a:1\nEXPOSE http\nHEALTHCHECK --interval=often CMD true\n').notes).toEqual([
      'line 2: EXPOSE http is not a port',
      'line 3: HEALTHCHECK --interval=often is not a duration',
    ]);
    expect(facts('EXPOSE 1\n').notes).toEqual(['the Dockerfile has no FROM']);
  });

  it.each([
    ['30s', 30],
    ['1m30s', 90],
    ['500ms', 1],
    ['1h', 3600],
    ['2.5s', 3],
    ['soon', undefined],
    ['30', undefined],
  ])('duration %s is %s seconds', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });

  it('substitutes as the builder does', () => {
    const vars = new Map([['A', '1'], ['E', '']]);
    expect(substitute('$A ${A} ${B:-9} ${E:-d} ${A:+y} ${B:+y} \\$A', vars)).toBe('1 1 9 d y  $A');
  });
});
