import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ControlPlaneError } from './errors.ts';

const run = promisify(execFile);

/** Paths of the PEM files one control plane uses. */
export interface ControlPlaneCertificates {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPublicKey: string;
}

/**
 * Create a fresh CA, a serving certificate for 127.0.0.1/localhost, an admin client certificate in
 * `system:masters`, and the key pair that signs service-account tokens. ECDSA P-256 keeps this under a
 * second; `openssl` is the only tool needed.
 */
export async function createCertificates(dir: string): Promise<ControlPlaneCertificates> {
  const p = (name: string) => join(dir, name);
  const certs: ControlPlaneCertificates = {
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    servingCert: p('serving.crt'),
    servingKey: p('serving.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    serviceAccountKey: p('sa.key'),
    serviceAccountPublicKey: p('sa.pub'),
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    certs.caKey,
    '-out',
    certs.caCert,
    '-days',
    '3650',
    '-subj',
    '/CN=capstan-local-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  await Promise.all([
    signed(
      certs,
      'serving',
      '/CN=kube-apiserver',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n' +
        'extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
    ),
    signed(
      certs,
      'admin',
      '/O=system:masters/CN=capstan-admin',
      'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
    ),
    (async () => {
      await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', certs.serviceAccountKey]);
      await openssl(['pkey', '-in', certs.serviceAccountKey, '-pubout', '-out', certs.serviceAccountPublicKey]);
    })(),
  ]);
  return certs;

  async function signed(c: ControlPlaneCertificates, name: 'serving' | 'admin', subject: string, extensions: string) {
    const key = name === 'serving' ? c.servingKey : c.adminKey;
    const cert = name === 'serving' ? c.servingCert : c.adminCert;
    const csr = p(`${name}.csr`);
    const ext = p(`${name}.ext`);
    await writeFile(ext, extensions);
    await openssl(['req', '-new', ...ec, '-keyout', key, '-out', csr, '-subj', subject]);
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      c.caCert,
      '-CAkey',
      c.caKey,
      '-CAcreateserial',
      '-out',
      cert,
      '-days',
      '3650',
      '-extfile',
      ext,
    ]);
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (cause) {
    const err = cause as NodeJS.ErrnoException & { stderr?: string };
    const hint = err.code === 'ENOENT' ? ' (openssl is not installed: install it, e.g. `apt-get install openssl`)' : '';
    throw new ControlPlaneError('START_FAILED', `openssl ${args.join(' ')} failed${hint}: ${err.stderr ?? err.message}`, { cause });
  }
}
