declare module "snappyjs" {
  const snappy: {
    compress(data: Uint8Array): Uint8Array;
    uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
  };
  export default snappy;
}
