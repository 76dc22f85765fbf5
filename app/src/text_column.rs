//! Ids and states stored as TEXT: written through `as_str`, parsed when read,
//! so a row never hands the code a value it does not know (and the schema's
//! `CHECK` constraints refuse one on the way in). Generic over the database.

/// A stored value that no variant of the type spells.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("“{value}” is not a known {of}")]
pub struct UnknownValue {
    pub of: &'static str,
    pub value: String,
}

/// Implements `sqlx::Type`, `Encode` and `Decode` for a type with
/// `as_str(self) -> &'static str` and `FromStr`, as a TEXT column.
#[macro_export]
macro_rules! text_column {
    ($ty:ty) => {
        impl<DB: ::sqlx::Database> ::sqlx::Type<DB> for $ty
        where
            str: ::sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as ::sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as ::sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: ::sqlx::Database> ::sqlx::Encode<'q, DB> for $ty
        where
            &'q str: ::sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as ::sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<::sqlx::encode::IsNull, ::sqlx::error::BoxDynError> {
                <&'q str as ::sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        impl<'r, DB: ::sqlx::Database> ::sqlx::Decode<'r, DB> for $ty
        where
            &'r str: ::sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as ::sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, ::sqlx::error::BoxDynError> {
                let text = <&'r str as ::sqlx::Decode<'r, DB>>::decode(value)?;
                Ok(text.parse::<$ty>()?)
            }
        }
    };
}

/// An enum of states stored as TEXT, each variant with its stored spelling:
/// `as_str`, `FromStr`, `ALL`, and (with `ssr`) the column impls. Serde
/// attributes stay the caller's, so each type keeps its wire format.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored spelling (what the schema's `CHECK` lists).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::text_column::UnknownValue;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == value)
                    .ok_or_else(|| $crate::text_column::UnknownValue {
                        of: stringify!($name),
                        value: value.chars().take(40).collect(),
                    })
            }
        }

        #[cfg(feature = "ssr")]
        $crate::text_column!($name);
    };
}
