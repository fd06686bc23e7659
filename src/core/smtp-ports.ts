/** SMTP probe as the checks see it. Placeholder: the relay layer defines the operations. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the relay layer
export interface SmtpProber {}
