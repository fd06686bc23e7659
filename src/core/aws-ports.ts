/**
 * AWS gateways as the checks see them. Placeholder shapes: the AWS layer adapters
 * (src/io/aws) define the operations.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the AWS layer
export interface SesGateway {}
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the AWS layer
export interface IamGateway {}

export interface AwsGateways {
  ses(region: string): SesGateway;
  iam: IamGateway;
}
