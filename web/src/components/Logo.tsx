export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 64 64" aria-hidden="true" focusable="false" className="logo">
      <rect width="64" height="64" rx="16" fill="var(--accent)" />
      <path d="M22 24 L42 24 L32 42 Z" fill="none" stroke="#fff" strokeWidth="3" strokeLinejoin="round" opacity="0.7" />
      <circle cx="22" cy="24" r="6" fill="#fff" />
      <circle cx="42" cy="24" r="6" fill="#fff" />
      <circle cx="32" cy="42" r="6" fill="#fff" />
    </svg>
  );
}
